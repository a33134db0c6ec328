"""Helpers several apps share. No models, and no imports of the project's apps."""
