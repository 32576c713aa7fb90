"""The runner machinery (reading, batches, tracking, replay); imports neither the read
models nor app. contract.py is the part app/persistence's store implements."""
