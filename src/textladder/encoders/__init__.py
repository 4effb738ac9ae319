"""Pretrained text encoders read from local directories: locating them, embedding with a cache.

`locate` finds the bundled all-MiniLM-L6-v2 or a user's encoder directory and fingerprints it,
`cache` stores sentence embeddings on disk keyed by encoder and text, and `sentence` embeds texts
with sentence-transformers through that cache. Nothing here reaches a model hub: every encoder is a
local directory, and the hub is switched off before transformers is imported.
"""
