"""A LocalOAuth2 whose ``provider_url`` is set by the benchmark, not read from
the config: upstream's ``NDBConfig`` (an ``ndb.Model``) cannot store extra
keys, and both config patterns must serve the same provider class."""
from authomatic_extras.testing.providers import LocalOAuth2

#: Set by benchmarks.gae_rpcs before the first login.
PROVIDER_URL = None


class BenchLocalOAuth2(LocalOAuth2):
    def _kwarg(self, kwargs, kwname, default=None):
        if kwname == 'provider_url':
            return PROVIDER_URL
        return super(BenchLocalOAuth2, self)._kwarg(kwargs, kwname, default)


PROVIDER_ID_MAP = [BenchLocalOAuth2]
