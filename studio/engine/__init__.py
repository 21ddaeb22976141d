"""Qt-free core: models, tokenizers, sampling, generation loops, model files, training."""
