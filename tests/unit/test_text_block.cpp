// Text blocks: what the C ABI returns and iucore_free takes back. A block given back is kept
// for the thread's next result; the sanitizer and valgrind runs of the suite check that nothing
// kept is lost when a thread ends.

#include "iucore/detail/json_text.hpp"
#include "iucore/detail/text_block.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <new>
#include <string>
#include <thread>
#include <vector>

using iucore::detail::text_blocks;

TEST_CASE("text blocks: a block given back serves the thread's next result") {
    char* first = text_blocks::allocate(3000);
    REQUIRE(first != nullptr);
    CHECK(text_blocks::capacity(first) >= 3000);
    std::memset(first, 'x', 3000); // the whole room is writable
    text_blocks::release(first);
    char* second = text_blocks::allocate(2000);
    CHECK(second == first); // kept, not given back to malloc
    CHECK(text_blocks::capacity(second) >= 3000);
    // A request larger than any kept block gets a new one.
    char* larger = text_blocks::allocate(10000);
    CHECK(larger != second);
    CHECK(text_blocks::capacity(larger) >= 10000);
    text_blocks::release(second);
    text_blocks::release(larger);
    text_blocks::release(nullptr); // as iucore_free(NULL)
}

TEST_CASE("text blocks: growing keeps the text") {
    char* text = text_blocks::allocate(8);
    std::memcpy(text, "abcdefgh", 8);
    text = text_blocks::grow(text, 1 << 20);
    CHECK(text_blocks::capacity(text) >= std::size_t{1} << 20);
    CHECK(std::string(text, 8) == "abcdefgh");
    text_blocks::release(text); // larger than any block kept: freed at once
    char* next = text_blocks::allocate(1 << 20);
    CHECK(text_blocks::capacity(next) >= std::size_t{1} << 20);
    text_blocks::release(next);
}

TEST_CASE("text blocks: more blocks than a thread keeps, given back on other threads") {
    // Made on this thread, given back on others: each of those keeps a few, frees the rest, takes
    // one it kept for its next result, and frees what it kept when it ends.
    constexpr int thread_count = 4;
    std::vector<std::thread> threads;
    std::vector<int> reused(thread_count, 0);
    for (int t = 0; t < thread_count; ++t) {
        std::vector<char*> blocks;
        for (int i = 0; i < 10; ++i)
            blocks.push_back(text_blocks::allocate(100 + static_cast<std::size_t>(i) * 500));
        threads.emplace_back([blocks, &reused, t] {
            for (char* b : blocks)
                text_blocks::release(b);
            char* again = text_blocks::allocate(100);
            reused[static_cast<std::size_t>(t)] =
                std::find(blocks.begin(), blocks.end(), again) != blocks.end();
            std::memset(again, 'y', 100);
            text_blocks::release(again);
        });
    }
    for (auto& t : threads)
        t.join();
    for (int t = 0; t < thread_count; ++t) {
        CAPTURE(t);
        CHECK(reused[static_cast<std::size_t>(t)] == 1);
    }
}

TEST_CASE("text blocks: a size that cannot be allocated is bad_alloc, not a short block") {
    CHECK_THROWS_AS(text_blocks::allocate(std::numeric_limits<std::size_t>::max()), std::bad_alloc);
    CHECK_THROWS_AS(text_blocks::allocate(std::numeric_limits<std::size_t>::max() - 8),
                    std::bad_alloc);
}

TEST_CASE("json_text hands over a NUL-terminated text block") {
    iucore::json_text text;
    const std::string long_text(10000, 'z');
    text.put('[');
    text.put(long_text);
    text.put(']');
    char* released = text.release();
    CHECK(std::strlen(released) == long_text.size() + 2);
    CHECK(text_blocks::capacity(released) > long_text.size() + 2);
    CHECK(text.view().empty());
    text_blocks::release(released);
}
