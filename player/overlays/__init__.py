"""Overlays drawn with pygame offscreen and shown by mpv (ARCHITECTURE decision 2).

Only one process may own a Pi's display, and that is mpv: pygame never opens a window
(``SDL_VIDEODRIVER=dummy``, no ``pygame.display``). It draws into surfaces that become
premultiplied BGRA files for mpv's ``overlay-add``, or a PNG mpv shows as a still image.
"""
