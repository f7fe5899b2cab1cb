# -*- coding: utf-8 -*-
"""Push-queue tasks (and ``deferred``) run against the app, in the background.

The SDK's taskqueue stub runs due tasks in its own thread and hands each to a
``Dispatcher.add_request``; :class:`TaskRequestInfo` gives it one that calls
the dev server's WSGI app in-process (as dev_appserver's dispatcher sends
them to its module), with the task's ``X-AppEngine-*`` headers.
"""
from __future__ import absolute_import

from google.appengine.api import request_info

__all__ = ['TaskRequestInfo']


class _Dispatcher(request_info._LocalFakeDispatcher):
    def __init__(self, dispatch):
        super(_Dispatcher, self).__init__()
        self._dispatch = dispatch

    def add_request(self, method, relative_url, headers, body, source_ip,
                    module_name=None, version=None, instance_id=None,
                    fake_login=False):
        status, response_headers, content = self._dispatch(
            method, relative_url, headers, body)
        return request_info.ResponseTuple(status, response_headers, content)


class TaskRequestInfo(request_info._LocalRequestInfo):
    """Request info for the taskqueue stub: its dispatcher runs ``dispatch``.

    :param dispatch: ``dispatch(method, url, headers, body)`` ->
        ``(status, headers, body)``.
    """

    def __init__(self, dispatch):
        self._dispatcher = _Dispatcher(dispatch)

    def get_dispatcher(self):
        return self._dispatcher
