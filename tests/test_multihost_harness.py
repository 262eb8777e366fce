"""The multi-host harness itself: hostnames, PID namespaces, two mounts of one export."""

from __future__ import annotations


def test_a_host_has_its_own_hostname(host, tmp_path):
    r = host("h1").run(["hostname"], cwd=tmp_path)
    assert r.stdout.strip() == "h1", r.stderr


def test_a_host_with_its_own_pid_namespace_is_pid_1_to_itself(host, tmp_path):
    r = host("h2", pidns=True).run(["sh", "-c", "echo $$; hostname"], cwd=tmp_path)
    assert r.stdout.split() == ["1", "h2"], r.stderr


def test_two_mounts_of_one_export_share_files(sshfs_mount, export_dir):
    a, b = sshfs_mount(), sshfs_mount()
    (a / "x").write_text("from a")
    assert (b / "x").read_text() == "from a"
    assert (export_dir / "x").read_text() == "from a"
