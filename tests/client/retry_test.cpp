// detail::with_retries, the SDK's one retry loop: retriable errors are retried up to `retries`
// times, fatal and other errors never, and no attempt starts past the deadline.
#include "client/retry.hpp"

#include <gtest/gtest.h>

namespace kafka::detail {
namespace {

using std::chrono::milliseconds;

Error retriable(const std::string& what) {
  return Error(ErrorCode::coordinator_not_available, what, /*retriable=*/true);
}

TEST(RetryTest, RetriesARetriableErrorUntilTheCallSucceeds) {
  int attempts = 0;
  const int result = with_retries({.retries = 3, .backoff = milliseconds(1)}, [&] {
    if (++attempts < 3) throw retriable("attempt " + std::to_string(attempts));
    return 42;
  });
  EXPECT_EQ(result, 42);
  EXPECT_EQ(attempts, 3);
}

TEST(RetryTest, GivesUpAfterRetriesAndThrowsTheLastError) {
  int attempts = 0;
  try {
    with_retries({.retries = 2, .backoff = milliseconds(1)},
                 [&] { throw retriable("attempt " + std::to_string(++attempts)); });
    FAIL() << "no exception";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "attempt 3");
    EXPECT_TRUE(e.retriable());
  }
  EXPECT_EQ(attempts, 3);  // the first attempt and two retries
}

TEST(RetryTest, NeverRetriesANonRetriableOrFatalError) {
  int attempts = 0;
  EXPECT_THROW(with_retries({.retries = 5, .backoff = milliseconds(1)},
                            [&] {
                              ++attempts;
                              throw TopicNotFoundError("no such topic");
                            }),
               TopicNotFoundError);
  EXPECT_EQ(attempts, 1);
  attempts = 0;
  EXPECT_THROW(with_retries({.retries = 5, .backoff = milliseconds(1)},
                            [&] {
                              ++attempts;
                              throw Error(ErrorCode::producer_fenced, "fenced", true, true);
                            }),
               Error);
  EXPECT_EQ(attempts, 1);
}

TEST(RetryTest, AFilterCanRefuseARetriableError) {
  int attempts = 0;
  auto not_rebalances = [](const Error& e) { return e.code() != ErrorCode::rebalance_in_progress; };
  EXPECT_THROW(with_retries(
                   {.retries = 5, .backoff = milliseconds(1)},
                   [&] {
                     ++attempts;
                     throw RebalanceInProgressError("partition moved");
                   },
                   not_rebalances),
               RebalanceInProgressError);
  EXPECT_EQ(attempts, 1);
}

TEST(RetryTest, ZeroRetriesIsOneAttempt) {
  int attempts = 0;
  EXPECT_THROW(with_retries({.retries = 0},
                            [&] {
                              ++attempts;
                              throw retriable("once");
                            }),
               Error);
  EXPECT_EQ(attempts, 1);
}

TEST(RetryTest, NoAttemptStartsPastTheDeadline) {
  // The pause before the second attempt (1 s) would end past the deadline (10 ms): no retry.
  int attempts = 0;
  EXPECT_THROW(
      with_retries({.retries = 5, .deadline = milliseconds(10), .backoff = milliseconds(1000)},
                   [&] {
                     ++attempts;
                     throw retriable("slow");
                   }),
      Error);
  EXPECT_EQ(attempts, 1);
}

TEST(RetryTest, PoliciesComeFromClientOptions) {
  ClientOptions options;
  options.retries = 7;
  options.timeout = std::chrono::seconds(2);
  const RetryPolicy policy = RetryPolicy::of(options);
  EXPECT_EQ(policy.retries, 7);
  EXPECT_EQ(policy.deadline, milliseconds(2000));
}

}  // namespace
}  // namespace kafka::detail
