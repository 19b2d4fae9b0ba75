#!/usr/bin/python3
"""Tests of scripts/bench-servers-client.py without any server: its SPNEGO
framing (NegTokenInit offering only NTLM, NegTokenResp with the token, the
responseToken read back from a NegTokenResp, long DER lengths, truncation
refused) and its CPU sampler (a session's processes, busy children that exited
and were reaped counted, another session not counted). ctest
bench-servers-client-selftest."""
import importlib.util
import os
import subprocess
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SPEC = importlib.util.spec_from_file_location(
    "bench_servers_client", os.path.join(HERE, "..", "..", "scripts", "bench-servers-client.py"))
client = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(client)

# Burns about 0.3 s of CPU in a child it forks and reaps, then sleeps (bounded).
BUSY_CHILD = ("import os,time\n"
              "pid=os.fork()\n"
              "if pid==0:\n"
              "    end=time.process_time()+0.3\n"
              "    while time.process_time()<end: pass\n"
              "    os._exit(0)\n"
              "os.waitpid(pid,0)\n"
              "print('reaped',flush=True)\n"
              "time.sleep(20)\n")


class SpnegoTest(unittest.TestCase):
    def test_init_offers_ntlm_only_with_the_token(self):
        token = b"NTLMSSP\x00\x01\x00\x00\x00" + bytes(28)
        blob = client.spnego_init(token)
        tag, start, end = client._tlv(blob, 0)
        self.assertEqual((tag, end), (0x60, len(blob)))
        self.assertEqual(blob[start:start + len(client.SPNEGO_OID)], client.SPNEGO_OID)
        self.assertIn(client._der(0x30, client.NTLM_OID), blob)
        self.assertTrue(blob.endswith(token))

    def test_response_token_round_trip_with_long_lengths(self):
        token = bytes(range(256)) * 2  # 512 bytes: two-byte DER lengths
        self.assertEqual(client.spnego_response_token(client.spnego_response(token)), token)

    def test_server_answer_with_neg_state_and_mech(self):
        token = b"NTLMSSP\x00\x02\x00\x00\x00"
        body = (client._der(0xA0, bytes([0x0A, 1, 1])) +
                client._der(0xA1, client.NTLM_OID) +
                client._der(0xA2, client._der(0x04, token)))
        self.assertEqual(client.spnego_response_token(client._der(0xA1, client._der(0x30, body))),
                         token)

    def test_bad_answers_are_errors(self):
        whole = client.spnego_response(b"abc")
        with self.assertRaises(ValueError):
            client.spnego_response_token(whole[:-2])
        with self.assertRaises(ValueError):
            client.spnego_response_token(client.spnego_init(b"abc"))
        with self.assertRaises(ValueError):
            client.spnego_response_token(client._der(0xA1, client._der(0x30, b"")))


class SessionCpuTest(unittest.TestCase):
    def test_counts_the_session_and_its_reaped_children(self):
        proc = subprocess.Popen([sys.executable, "-c", BUSY_CHILD], stdout=subprocess.PIPE,
                                start_new_session=True)
        try:
            self.assertEqual(proc.stdout.readline().strip(), b"reaped")
            cpu_ns, processes = client.session_cpu_ns(proc.pid)
            self.assertEqual(processes, 1)
            self.assertGreaterEqual(cpu_ns, 250_000_000)  # the reaped child's 0.3 s, in ticks
        finally:
            proc.kill()
            proc.wait(timeout=10)
            proc.stdout.close()

    def test_other_sessions_are_not_counted(self):
        proc = subprocess.Popen(["sleep", "20"], start_new_session=True)
        try:
            end = time.process_time() + 0.3  # this process (another session) burns 0.3 s
            while time.process_time() < end:
                pass
            deadline = time.monotonic() + 10
            while client.session_cpu_ns(proc.pid)[1] == 0 and time.monotonic() < deadline:
                time.sleep(0.05)
            cpu_ns, processes = client.session_cpu_ns(proc.pid)
            self.assertEqual(processes, 1)
            self.assertLess(cpu_ns, 250_000_000)
        finally:
            proc.kill()
            proc.wait(timeout=10)


if __name__ == "__main__":
    unittest.main()
