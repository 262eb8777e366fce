"""Read the tutorial's saved results back, as a script or notebook would, and
say what was computed and what to try next (the last step of `make demo`)."""

import jug_async

jf = jug_async.init("jugfile.py")  # loads the jugfile, opens jugfile.jugdata
best = jf.module.best.result
n_images = len(jf.module.images)
print()
print(f"What ran: {n_images} synthetic images -> one feature vector each -> k-means for "
      f"k = {min(best['bic_by_k'])}..{max(best['bic_by_k'])} -> BIC per k -> the best k.")
print("BIC by k (lower is better):")
for k, score in best["bic_by_k"].items():
    print(f"  k = {k:2d}  {score:12.1f}{'   <- best' if k == best['best_k'] else ''}")
print(f"Best k: {best['best_k']} (the images were drawn from 4 hidden scene types)")
print("""
Every result is saved in examples/tutorial/jugfile.jugdata. Try next, from examples/tutorial
(with the venv active: `source ../../.venv/bin/activate`):
  jug-async run jugfile.py        # runs nothing: every result is saved
  jug-async status jugfile.py     # counts per task name
  jug-async monitor jugfile.py    # live view of the store (q quits); works from any host
  jug-async invalidate --target bic jugfile.py && jug-async run jugfile.py --tui
                                  # recompute the BIC step and what depends on it, in the TUI
On several hosts sharing the directory over NFS, start the same `jug-async run` on each.""")
