"""`fc-datagen eval`: score a model on the decision turns of a test split (or of BFCL's files).

items (what to ask) -> ask (the prompt in a style, the answer read back) -> score (the verdict,
filters.possible's BFCL rules) -> execute (the executable score) -> summary (rates, --compare);
sources reads the inputs, bfcl writes our test split as BFCL files, cli wires them.
"""
