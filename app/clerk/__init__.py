"""The clerks' workspace at /saisie: letters and calls keyed in, acknowledgments
printed. An audience: no other audience is imported."""
