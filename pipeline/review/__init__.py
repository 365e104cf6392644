"""Human review of a run: a seeded stratified sample, a local page to label it, the labels, and
what they say (the human-accept rate per category with a Wilson 95% interval)."""
