#pragma once
// A growable block of JSON text that a C host can take over as it is.

#include <iucore/detail/text_block.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string_view>
#include <utility>

namespace iucore {

/// JSON text being written: a text block (detail/text_block.hpp) grown by doubling, so a C
/// host can take it as it is (`release`, then iucore_free) and writers reserve room once per
/// value, then write through a pointer.
class json_text {
  public:
    json_text() = default;
    json_text(const json_text&) = delete;
    json_text& operator=(const json_text&) = delete;
    ~json_text() { detail::text_blocks::release(data_); }

    /// Room for `more` bytes; write at the returned pointer, then commit what was written.
    char* reserve(std::size_t more) {
        if (capacity_ - size_ <= more) grow(more);
        return data_ + size_;
    }
    void commit(std::size_t written) { size_ += written; }
    void put(char c) {
        *reserve(1) = c;
        ++size_;
    }
    void put(std::string_view raw) {
        std::memcpy(reserve(raw.size()), raw.data(), raw.size());
        size_ += raw.size();
    }
    std::string_view view() const { return {data_, size_}; }
    /// The text, NUL-terminated, in a block that is now the caller's to give back with
    /// detail::text_blocks::release (iucore_free).
    char* release() {
        *reserve(1) = '\0';
        size_ = capacity_ = 0;
        return std::exchange(data_, nullptr);
    }

  private:
    void grow(std::size_t more) {
        const auto capacity = std::max({2 * capacity_, size_ + more + 1, std::size_t{4096}});
        data_ = data_ ? detail::text_blocks::grow(data_, capacity)
                      : detail::text_blocks::allocate(capacity);
        capacity_ = detail::text_blocks::capacity(data_);
    }
    char* data_ = nullptr;
    std::size_t size_ = 0, capacity_ = 0; // capacity_ - size_ > 0 always leaves room for a NUL
};

} // namespace iucore
