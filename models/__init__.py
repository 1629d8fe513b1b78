"""ILACS data and the rules that are pure functions of it."""
