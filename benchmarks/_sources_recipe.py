def run_recipe(data, cache, everything, holdout):
    raise NotImplementedError
