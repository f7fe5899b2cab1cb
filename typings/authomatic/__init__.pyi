# Minimal type stubs for the parts of the authomatic core that
# authomatic_extras uses (authomatic ships no type information).
from authomatic.core import Authomatic as Authomatic
