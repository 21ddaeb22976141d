import os

# Qt tests run without a screen
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# keep test runs light on a 2-core machine
os.environ.setdefault("OMP_NUM_THREADS", "1")
