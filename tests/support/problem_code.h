#pragma once
// The problem code of what a call throws, for tests of use cases that fail with ErrorException.
#include <string>

#include "core/error.h"

namespace orderly::test {

// "" when fn does not throw.
template <typename F>
std::string code_of(F&& fn) {
    try {
        fn();
    } catch (const ErrorException& e) {
        return e.error.code;
    }
    return "";
}

}  // namespace orderly::test
