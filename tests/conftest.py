"""Settings shared by the whole test suite."""


def pytest_configure(config):
    """Register the suite's markers."""
    config.addinivalue_line("markers", "lessons: executes a lesson notebook and holds it to its time and "
                                       "memory budget (`./course test` runs these last, on their own)")
