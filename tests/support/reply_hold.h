#pragma once
// Holding back one answer of a test receiver (support/smtp_listener.h, webhook_receiver.h): the
// next message is taken and recorded as usual, but its answer waits until release(), as with a
// receiver whose answer never reached a sender that died meanwhile.
#include <chrono>
#include <condition_variable>
#include <mutex>

namespace orderly::test {

class ReplyHold {
  public:
    // Holds the answer to the next message.
    void arm() {
        std::lock_guard lock(mu_);
        armed_ = true;
        released_ = false;
    }
    // Until an answer is held; false on timeout.
    bool wait_held(std::chrono::milliseconds timeout) {
        std::unique_lock lock(mu_);
        return cv_.wait_for(lock, timeout, [&] { return held_ > 0; });
    }
    // Lets a held answer go (and those of later arms until the next arm()).
    void release() {
        {
            std::lock_guard lock(mu_);
            released_ = true;
        }
        cv_.notify_all();
    }
    // The receiver calls this after recording a message and before answering it.
    void before_answer() {
        std::unique_lock lock(mu_);
        if (!armed_) return;
        armed_ = false;
        ++held_;
        cv_.notify_all();
        cv_.wait(lock, [&] { return released_; });
        --held_;
    }

  private:
    std::mutex mu_;
    std::condition_variable cv_;
    bool armed_ = false;
    bool released_ = false;
    int held_ = 0;
};

}  // namespace orderly::test
