"""Media facts shared by the cloud, the local admin and the player.

- :mod:`.profile` — the one encode every video is prepared into ("instant start").
- :mod:`.probe` — ffprobe, with an allow-list and reasons a person can act on.
- :mod:`.samples` — generated sample clips and a sample site configuration.
"""
