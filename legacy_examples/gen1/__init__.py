# -*- coding: utf-8 -*-
"""The gen-1 App Engine example app (served by the top-level app.yaml)."""
