"""Blocked words: the operator's list and each chat's, checked before anything is spent."""
