def make_synthetic_cxr(*a, **k):
    raise NotImplementedError
