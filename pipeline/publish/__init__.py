"""Publishing a run: the Hugging Face dataset folder (hf_dataset: Parquet with Json features and a
stable group split), its dataset card (card), the Hub folder and upload (hub), and the
`python -m pipeline.publish` command (cli)."""
