#pragma once
// A fixed pool of threads for blocking requests (every write and the log long-polls), with a
// bounded queue: a request that finds the queue full is answered 503 rather than held.
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace orderly::http {

class WorkerPool {
  public:
    explicit WorkerPool(int threads);
    ~WorkerPool();
    WorkerPool(const WorkerPool&) = delete;
    WorkerPool& operator=(const WorkerPool&) = delete;

    // Queues a job; false when the pool is stopping or its queue is full.
    bool post(std::function<void()> job);
    // Joins the threads; jobs still queued are dropped. Idempotent.
    void stop();
    // Jobs waiting for a thread.
    size_t queued();

  private:
    static constexpr size_t kMaxQueue = 4096;
    void run();
    std::mutex mu_;
    std::condition_variable cv_;
    std::deque<std::function<void()>> queue_;
    std::vector<std::thread> threads_;
    bool stopping_ = false;
};

}  // namespace orderly::http
