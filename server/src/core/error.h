#pragma once
// Expected failures travel as an Error value: a kind that maps to one HTTP status, a message a
// client may see, a stable code with its parameters (core/codes.h; a client translates the code
// and falls back to the message), and a detail that is only logged. Exactly one place
// (http/boundary.cpp) turns an Error into a problem response and logs its detail.
#include <concepts>
#include <cstdint>
#include <exception>
#include <stdexcept>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace orderly {

enum class ErrorKind {
    bad_request,         // 400: malformed or invalid input
    unauthorized,        // 401: no or bad credentials
    forbidden,           // 403: authenticated, not allowed
    not_found,           // 404
    method_not_allowed,  // 405
    conflict,            // 409: state conflict, stale version, duplicate key
    gone,                // 410: existed, and will not work again (a used or expired link)
    payload_too_large,   // 413
    unprocessable,       // 422: well-formed but breaks a rule
    too_many_requests,   // 429
    unavailable,         // 503: draining, database not ready
    internal,            // 500: a bug; the public message never carries the detail
};

// One value of a problem's `params`: a string or an integer.
struct ParamValue {
    ParamValue(std::string s) : text(std::move(s)) {}
    ParamValue(const char* s) : text(s) {}
    template <std::integral I>
    ParamValue(I n) : is_number(true), number(static_cast<int64_t>(n)) {}
    bool is_number = false;
    std::string text;
    int64_t number = 0;
};
struct Param {
    std::string name;
    ParamValue value;
};
using Params = std::vector<Param>;

// A problem kept for later display (why a notification was not delivered, why an options script
// failed): the English text, and a ProblemCode (core/codes.h) with the values its message names,
// which clients translate, showing the text as the detail.
struct Problem {
    std::string text;
    std::string code;
    Params params;
};

struct FieldError {
    std::string field;
    std::string message;
    std::string code;  // a ProblemCode; "field.invalid" when empty
    Params params;
};

struct Error {
    ErrorKind kind = ErrorKind::internal;
    std::string message;             // shown to the client
    std::string log_detail;          // logged only
    std::vector<FieldError> fields;  // RFC 9457 "errors"
    int retry_after_s = 0;           // for 429 / 503
    std::string code;                // a ProblemCode (core/codes.h); by kind when empty
    Params params;                   // the values the message names, e.g. {"key", "PROD"}

    // Error::NotFound("...").with(codes::ticket_not_found, {{"id", id}})
    Error with(std::string c, Params p = {}) && {
        code = std::move(c);
        params = std::move(p);
        return std::move(*this);
    }

    static Error BadRequest(std::string msg, std::vector<FieldError> f = {}) {
        return {ErrorKind::bad_request, std::move(msg), {}, std::move(f)};
    }
    // One invalid field: the problem's code is the field's code, its params the field's plus
    // {"field": name}.
    static Error Field(std::string field, std::string msg, std::string code = {}, Params p = {}) {
        return field_error(ErrorKind::bad_request, std::move(field), std::move(msg),
                           std::move(code), std::move(p));
    }
    static Error Unauthorized(std::string msg = "authentication required") {
        return {ErrorKind::unauthorized, std::move(msg), {}, {}};
    }
    static Error Forbidden(std::string msg = "you do not have permission to do this") {
        return {ErrorKind::forbidden, std::move(msg), {}, {}};
    }
    static Error NotFound(std::string msg) {
        return {ErrorKind::not_found, std::move(msg), {}, {}};
    }
    static Error Conflict(std::string msg) { return {ErrorKind::conflict, std::move(msg), {}, {}}; }
    static Error Gone(std::string msg) { return {ErrorKind::gone, std::move(msg), {}, {}}; }
    static Error Unprocessable(std::string msg, std::vector<FieldError> f = {}) {
        return {ErrorKind::unprocessable, std::move(msg), {}, std::move(f)};
    }
    static Error UnprocessableField(std::string field, std::string msg, std::string code = {},
                                    Params p = {}) {
        return field_error(ErrorKind::unprocessable, std::move(field), std::move(msg),
                           std::move(code), std::move(p));
    }
    static Error field_error(ErrorKind kind, std::string field, std::string msg, std::string code,
                             Params p) {
        if (code.empty()) code = "field.invalid";
        Error e{kind, field + ": " + msg, {}, {}};
        e.code = code;
        e.params = p;
        e.params.insert(e.params.begin(), Param{"field", field});
        e.fields.push_back({std::move(field), std::move(msg), std::move(code), std::move(p)});
        return e;
    }
    static Error TooMany(std::string msg, int retry_after) {
        Error e{ErrorKind::too_many_requests, std::move(msg), {}, {}};
        e.retry_after_s = retry_after;
        return e;
    }
    static Error Unavailable(std::string msg) {
        return {ErrorKind::unavailable, std::move(msg), {}, {}};
    }
    static Error Internal(std::string detail) {
        return {ErrorKind::internal, "internal error", std::move(detail), {}};
    }
};

int http_status(ErrorKind kind);
const char* error_title(ErrorKind kind);
// The generic ProblemCode of a kind ("not_found", "conflict", ...), for errors without one.
const char* default_code(ErrorKind kind);

// Thrown only to unwind from deep inside a handler to the single boundary that renders it.
// It is a std::exception too, so a background thread that catches std::exception also stops it.
struct ErrorException : std::exception {
    explicit ErrorException(Error e) : error(std::move(e)) {}
    const char* what() const noexcept override { return error.message.c_str(); }
    Error error;
};

// What went wrong in a storage driver, decided once where the driver's own result code is known
// (storage classifies its codes), so that the layers above act on the kind and never on the
// text of a message.
enum class StorageFailure {
    busy,  // lock contention, a serialization failure or a deadlock: retrying later may succeed
    constraint,       // a unique, foreign-key or check constraint (or a trigger) refused it
    connection_lost,  // the connection broke; a transaction's outcome may be unknown
    other,            // anything else: an internal error
};

// Thrown by a storage driver for a failure that is not an expected outcome. Its message is for
// the log only.
class StorageError : public std::runtime_error {
  public:
    StorageError(StorageFailure failure, const std::string& message)
        : std::runtime_error(message), failure_(failure) {}
    StorageFailure failure() const { return failure_; }

  private:
    StorageFailure failure_;
};

template <typename T>
class [[nodiscard]] Result {
  public:
    Result(T value) : v_(std::move(value)) {}
    Result(Error error) : v_(std::move(error)) {}
    bool ok() const { return v_.index() == 0; }
    explicit operator bool() const { return ok(); }
    T& value() & { return std::get<0>(v_); }
    T&& value() && { return std::get<0>(std::move(v_)); }
    const T& value() const& { return std::get<0>(v_); }
    const Error& error() const { return std::get<1>(v_); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() { return value(); }

  private:
    std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
  public:
    Result() = default;
    Result(Error error) : err_(std::move(error)), failed_(true) {}
    bool ok() const { return !failed_; }
    explicit operator bool() const { return ok(); }
    const Error& error() const { return err_; }

  private:
    Error err_;
    bool failed_ = false;
};

// Turns a failed Result into an ErrorException for the handler boundary.
template <typename T>
T unwrap(Result<T>&& r) {
    if (!r.ok()) throw ErrorException{r.error()};
    return std::move(r).value();
}
inline void unwrap(Result<void>&& r) {
    if (!r.ok()) throw ErrorException{r.error()};
}
[[noreturn]] inline void fail(Error e) {
    throw ErrorException{std::move(e)};
}

// What the exception being handled says, for a log line; call only inside a catch block. An
// ErrorException gives its message and, in parentheses, its log_detail.
std::string current_exception_text();

}  // namespace orderly
