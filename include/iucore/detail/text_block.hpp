#pragma once
// The blocks of text the C ABI hands to a host, which gives each back through iucore_free. A
// block carries its capacity in a header before the text, so one given back is kept for the
// thread's next result instead of going back to malloc.
//
// Why: a plan's text is a few kB, and for a block that size malloc takes its large-bin path,
// which first consolidates every small chunk freed since. Once a host's heap is fragmented that
// costs several times the whole explain call (tests/bench/RESULTS.md: 3.6 µs became 13 µs with
// a heap of a million freed holes). Kept blocks make a host's steady state allocation-free here.

#include <array>
#include <cstddef>
#include <cstdlib>
#include <limits>
#include <new>
#include <utility>

namespace iucore::detail {

class text_blocks {
  public:
    /// A block with room for `capacity` bytes of text (at least); the pointer is the text.
    static char* allocate(std::size_t capacity) {
        if (char* kept = cache().take(capacity)) return kept + header_size;
        return fresh(nullptr, capacity);
    }
    /// As realloc: the text kept, the room at least `capacity`. `text` may be null.
    static char* grow(char* text, std::size_t capacity) {
        return fresh(text ? start_of(text) : nullptr, capacity);
    }
    static std::size_t capacity(const char* text) {
        return header_of(start_of(const_cast<char*>(text))).capacity;
    }
    /// Gives a block back: kept for this thread's next result when small enough, else freed.
    static void release(char* text) noexcept {
        if (!text) return;
        char* block = start_of(text);
        if (!cache().keep(block)) std::free(block);
    }

  private:
    struct alignas(std::max_align_t) header {
        std::size_t capacity;
    };
    static constexpr std::size_t header_size = sizeof(header);

    static char* start_of(char* text) { return text - header_size; }
    static header& header_of(char* block) { return *reinterpret_cast<header*>(block); }

    static char* fresh(char* block, std::size_t capacity) {
        if (capacity > std::numeric_limits<std::size_t>::max() - header_size)
            throw std::bad_alloc();
        auto* grown = static_cast<char*>(std::realloc(block, header_size + capacity));
        if (!grown) throw std::bad_alloc();
        header_of(grown).capacity = capacity;
        return grown + header_size;
    }

    /// A few blocks per thread. The slots are trivially destructible, so they can be read at any
    /// point of a thread's exit; `closer` frees what they hold when the thread ends, and after
    /// that nothing is kept (a later thread-exit handler may still give a block back).
    struct slots {
        static constexpr std::size_t count = 4, largest_kept = 64 * 1024;
        std::array<char*, count> kept;
        bool closed;

        char* take(std::size_t capacity) {
            for (auto& block : kept)
                if (block && header_of(block).capacity >= capacity)
                    return std::exchange(block, nullptr);
            return nullptr;
        }
        bool keep(char* block) {
            if (closed || header_of(block).capacity > largest_kept) return false;
            static thread_local closer close_at_thread_exit;
            for (auto& slot : kept)
                if (!slot) {
                    slot = block;
                    return true;
                }
            return false;
        }
    };
    struct closer {
        closer() = default;
        closer(const closer&) = delete;
        closer& operator=(const closer&) = delete;
        ~closer() {
            auto& c = cache();
            c.closed = true;
            for (auto& block : c.kept)
                std::free(std::exchange(block, nullptr));
        }
    };
    static slots& cache() {
        static thread_local slots thread_slots{};
        return thread_slots;
    }
};

} // namespace iucore::detail
