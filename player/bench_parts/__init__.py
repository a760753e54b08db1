"""The measurements behind ``neopro bench player`` (see :mod:`player.bench`)."""
