// rpc_epm_client.cc: MapEndpoint (see rpc_epm_client.h).
#include "harness/net/io/rpc_epm_client.h"

#include <exception>

#include "asio/co_spawn.hpp"
#include "asio/io_context.hpp"
#include "harness/net/io/coroutine_warning.h"
#include "harness/net/io/rpc_client.h"
#include "harness/net/rpc_epm.h"

namespace ntlm::harness::net {

namespace {

asio::awaitable<void> Map(asio::any_io_executor executor, RpcTarget target, rpc::SyntaxId iface,
                          std::chrono::milliseconds timeout, std::optional<uint16_t>& port,
                          std::string& error) {
  RpcClientConnection connection(executor, timeout);
  if (!co_await connection.Connect(target, error)) co_return;
  const std::string where =
      "endpoint mapper " + target.host + "[" + std::to_string(target.port) + "]: ";
  const std::vector<Bytes> bind = {rpc::EncodeUnauthenticatedBind(rpc::EpmInterfaceSyntax(), 1)};
  if (!co_await connection.Send(bind, error)) co_return;
  auto ack = co_await connection.Receive(rpc::kMustRecvFragSize, error);
  if (!ack) co_return;
  if (ssp::Status st = rpc::CheckUnauthenticatedBindAck(*ack); !st.ok()) {
    error = where + st.error().reason;
    co_return;
  }
  const std::vector<Bytes> request = {
      rpc::EncodeUnauthenticatedRequest(2, rpc::kEptMapOpnum, rpc::EncodeEptMapRequest(iface))};
  if (!co_await connection.Send(request, error)) co_return;
  auto reply = co_await connection.Receive(rpc::kMustRecvFragSize, error);
  if (!reply) co_return;
  auto stub = rpc::UnauthenticatedResponseStub(*reply);
  if (!stub.ok()) {
    error = where + "ept_map: " + stub.error().reason;
    co_return;
  }
  auto response = rpc::DecodeEptMapResponse(*stub);
  if (!response.ok()) {
    error = where + response.error().reason;
    co_return;
  }
  auto found = rpc::EptMapPort(*response, iface);
  if (!found.ok()) {
    error = where + found.error().reason;
    co_return;
  }
  port = *found;
  connection.Close();
}

}  // namespace

std::optional<uint16_t> MapEndpoint(const std::string& host, const rpc::SyntaxId& iface,
                                    std::chrono::milliseconds step_timeout, std::string& error,
                                    uint16_t epm_port) {
  std::optional<uint16_t> port;
  asio::io_context io;
  // Every step is bounded by step_timeout, so run() returns.
  asio::co_spawn(
      io, Map(io.get_executor(), RpcTarget{host, epm_port}, iface, step_timeout, port, error),
      [&error](std::exception_ptr e) {
        if (!e) return;
        try {
          std::rethrow_exception(e);
        } catch (const std::exception& what) {
          error = std::string("internal error: ") + what.what();
        }
      });
  io.run();
  return port;
}

}  // namespace ntlm::harness::net
