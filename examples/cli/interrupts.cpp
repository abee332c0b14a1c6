#include "interrupts.hpp"

#include <iucore/engine/session.hpp>

#include <csignal>

namespace iucore::cli {

namespace {

volatile std::sig_atomic_t received = 0;

extern "C" void on_interrupt(int signal) {
    received = signal;
    cancel_running_statements();
}

} // namespace

void install_interrupt_handlers() {
    struct sigaction action {};
    action.sa_handler = on_interrupt;
    sigemptyset(&action.sa_mask);
    // No SA_RESTART: a blocked wait returns; SA_RESETHAND: a second signal takes the default.
    action.sa_flags = SA_RESETHAND;
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);
}

int interrupting_signal() {
    return received;
}

} // namespace iucore::cli
