"""The small PyTorch core every neural rung shares: tokens, vocabulary, task heads, training loop.

Importing anything here imports torch, which is an optional dependency (the `neural` extra);
model families import these modules only when they fit or load.
"""
