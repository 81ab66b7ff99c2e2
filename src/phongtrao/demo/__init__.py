"""A demo province whose commune records reproduce the seed review's figures."""
