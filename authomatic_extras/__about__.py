"""Version of the authomatic-extras distribution."""
__version__ = '0.1.0'
