# -*- coding: utf-8 -*-
"""Google App Engine first-generation extras (being written)."""
