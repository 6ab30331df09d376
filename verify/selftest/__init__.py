"""The mutation self-test: plausible bugs in the mathematics, and the verdicts that notice them."""
