#pragma once
// SIGINT and SIGTERM: the first one asks the server to cancel the statement in flight (so the
// transaction rolls back and nothing is committed); a second one ends the process at once.

namespace iucore::cli {

void install_interrupt_handlers();
/// The signal that interrupted this run, or 0.
int interrupting_signal();

} // namespace iucore::cli
