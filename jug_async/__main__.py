# Guarded: worker processes (forkserver/spawn) re-import the main module as __mp_main__.
if __name__ == "__main__":
    from .cli import main

    raise SystemExit(main())
