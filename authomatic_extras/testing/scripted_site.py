"""A local web site whose pages a test writes: the attacker's side.

:class:`ScriptedSite` serves, on ``127.0.0.1`` and a free port, whatever
the test put at each path (body, status, headers, or a redirect) and
records every request it gets (:attr:`hits`, :attr:`requests`). Security
tests use it as the identity page an attacker controls (an OpenID page
declaring a ``javascript:`` provider endpoint) or as an internal service the
app must never reach::

    with ScriptedSite() as site:
        site.page('/me', '<link rel="openid2.provider" href="javascript:alert(1)">')
        client.get('/login/openid?id=' + quote(site.url + '/me', ''))
        assert site.hits == ['/me']
"""
import threading

from ._base import LocalAppServer

__all__ = ['ScriptedSite']


class ScriptedSite(LocalAppServer):
    """A site that serves scripted pages and records its hits.

    :param str host: ``'127.0.0.1'`` by default.
    """

    def __init__(self, host='127.0.0.1', port=0):
        self._pages = {}
        self._lock = threading.Lock()
        #: Paths requested so far (with the query string), in order.
        self.hits = []
        #: ``(method, path with query, Host header)`` of every request, in order.
        self.requests = []
        super(ScriptedSite, self).__init__(self._wsgi, host=host, port=port)

    def page(self, path, body='', status=200, headers=None,
             content_type='text/html; charset=utf-8'):
        """Serve ``body`` at ``path`` (any method). Returns the full URL."""
        all_headers = {'Content-Type': content_type}
        all_headers.update(headers or {})
        with self._lock:
            self._pages[path] = (status, all_headers, body)
        return self.url + path

    def redirect(self, path, location, status=302):
        """Answer ``path`` with a redirect to ``location``. Returns the full URL."""
        return self.page(path, '', status=status, headers={'Location': location})

    def _wsgi(self, environ, start_response):
        path = environ.get('PATH_INFO', '/')
        query = environ.get('QUERY_STRING', '')
        with self._lock:
            target = path + ('?' + query if query else '')
            self.hits.append(target)
            self.requests.append((environ.get('REQUEST_METHOD'), target,
                                  environ.get('HTTP_HOST')))
            status, headers, body = self._pages.get(
                path, (404, {'Content-Type': 'text/plain'}, 'not found'))
        data = body.encode('utf-8') if isinstance(body, str) else body
        start_response('{0} {1}'.format(status, _REASONS.get(status, 'Status')),
                       list(headers.items()) + [('Content-Length', str(len(data)))])
        return [data]


_REASONS = {200: 'OK', 301: 'Moved Permanently', 302: 'Found', 303: 'See Other',
            307: 'Temporary Redirect', 308: 'Permanent Redirect', 404: 'Not Found',
            500: 'Internal Server Error'}
