"""Bilingual text analysis, themes, stage attribution and drivers."""
