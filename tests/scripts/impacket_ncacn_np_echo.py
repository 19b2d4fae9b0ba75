"""impacket's DCE/RPC over SMB (ncacn_np) against `serve --smb`: one rpcecho
EchoData call on \\pipe\\rpcecho.

Usage: impacket_ncacn_np_echo.py PORT DIALECT LEVEL PASSWORD
  DIALECT 2.1 or 3.0; LEVEL none (the SMB session authenticates) or privacy
  (an NTLM bind at pkt_privacy on top). Prints "ok DIALECT LEVEL"; exit 1 when
  the echo differs, impacket's exception otherwise.
"""
import struct
import sys

from impacket import smb3structs
from impacket.dcerpc.v5 import transport
from impacket.dcerpc.v5.rpcrt import RPC_C_AUTHN_LEVEL_PKT_PRIVACY
from impacket.uuid import uuidtup_to_bin

RPCECHO = ('60a15ec5-4de8-11d7-a637-005056a20182', '1.0')
DIALECTS = {'2.1': smb3structs.SMB2_DIALECT_21, '3.0': smb3structs.SMB2_DIALECT_30}


def main():
    port, dialect, level, password = sys.argv[1:5]
    t = transport.DCERPCTransportFactory(r'ncacn_np:127.0.0.1[\pipe\rpcecho]')
    t.set_dport(int(port))
    t.set_credentials('alice', password, 'CONTOSO')
    t.preferred_dialect(DIALECTS[dialect])
    dce = t.get_dce_rpc()
    if level == 'privacy':
        dce.set_credentials('alice', password, 'CONTOSO')
        dce.set_auth_level(RPC_C_AUTHN_LEVEL_PKT_PRIVACY)
    dce.connect()
    dce.bind(uuidtup_to_bin(RPCECHO))
    data = b'ncacn_np from impacket'
    # EchoData(uint32 len, [size_is(len)] uint8 in_data[]): opnum 1, NDR 2.0.
    dce.call(1, struct.pack('<II', len(data), len(data)) + data)
    resp = dce.recv()
    if resp[:4] != struct.pack('<I', len(data)) or resp[4:4 + len(data)] != data:
        print('echo differs:', resp.hex())
        return 1
    dce.disconnect()
    print('ok', dialect, level)
    return 0


if __name__ == '__main__':
    sys.exit(main())
