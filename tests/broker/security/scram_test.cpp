// SCRAM's server side against RFC 7677's SCRAM-SHA-256 example, and whole exchanges with a
// client written from the RFC: right and wrong secrets, unknown names, messages out of shape.
#include "broker/security/scram.hpp"

#include <gtest/gtest.h>

#include "broker/security/scram_client.hpp"

namespace kafka_do::broker::security {
namespace {

std::shared_ptr<const KeyStore> store_with(ApiKey key) {
  auto store = std::make_shared<KeyStore>();
  EXPECT_TRUE(store->add(std::move(key)));
  return store;
}

TEST(Scram, Rfc7677ExampleExchange) {
  // RFC 7677 section 3: user "user", password "pencil", its salt and iteration count.
  auto salt = base64_decode("W22ZaJ0SNY7soEsUEjb6gQ==");
  ASSERT_TRUE(salt);
  ApiKey key;
  key.name = "user";
  key.sha256 = make_scram_credential(Hash::sha256, "pencil", 4096, *salt);
  key.sha512 = make_scram_credential(Hash::sha512, "pencil", 4096, *salt);
  ScramServer server(Hash::sha256, store_with(key), "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0");

  auto first = server.step("n,,n=user,r=rOprNGfwEbeRWgbNEkqO");
  ASSERT_TRUE(first) << first.error().message();
  EXPECT_EQ(*first,
            "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,"
            "i=4096");
  auto final = server.step(
      "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
      "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=");
  ASSERT_TRUE(final) << final.error().message();
  EXPECT_EQ(*final, "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");
  EXPECT_TRUE(server.done());
  EXPECT_EQ(server.principal(), "user");
}

class ScramExchange : public ::testing::TestWithParam<Hash> {};

TEST_P(ScramExchange, RightSecretAuthenticatesBothWays) {
  auto keys = store_with(make_api_key("alice", "s3cret", true));
  ScramServer server(GetParam(), keys);
  testing::ScramClient client(GetParam(), "alice", "s3cret");
  auto server_first = server.step(client.first());
  ASSERT_TRUE(server_first);
  auto server_final = server.step(client.final(*server_first));
  ASSERT_TRUE(server_final) << server_final.error().message();
  EXPECT_TRUE(client.verify(*server_final));
  EXPECT_TRUE(server.done());
  EXPECT_TRUE(server.superuser());
  EXPECT_FALSE(server.step("c=biws,r=x,p=AAAA")) << "the exchange is over";
}

TEST_P(ScramExchange, WrongSecretAndUnknownNameFailAlikeAtTheProof) {
  auto keys = store_with(make_api_key("alice", "s3cret", true));
  for (const std::string name : {"alice", "mallory"}) {
    ScramServer server(GetParam(), keys);
    testing::ScramClient client(GetParam(), name, "guess");
    auto server_first = server.step(client.first());
    ASSERT_TRUE(server_first) << "an unknown name is not told apart at the first step";
    auto server_final = server.step(client.final(*server_first));
    ASSERT_FALSE(server_final);
    EXPECT_EQ(server_final.error().code(), Errc::not_found);
    EXPECT_EQ(server_final.error().message(),
              "authentication failed for user '" + name + "': invalid username or API key");
    EXPECT_FALSE(server.done());
  }
  // The made-up salt of an unknown name is the same each time (a fresh one would tell).
  ScramServer a(GetParam(), keys), b(GetParam(), keys);
  auto first_a = a.step("n,,n=mallory,r=abc");
  auto first_b = b.step("n,,n=mallory,r=abc");
  ASSERT_TRUE(first_a && first_b);
  EXPECT_EQ(first_a->substr(first_a->find(",s=")), first_b->substr(first_b->find(",s=")));
}

INSTANTIATE_TEST_SUITE_P(Sha, ScramExchange, ::testing::Values(Hash::sha256, Hash::sha512));

TEST(Scram, MalformedAndOutOfTurnMessagesAreRefused) {
  auto keys = store_with(make_api_key("alice", "s3cret", true));
  for (const std::string bad : {"", "n,", "p=tls-unique,,n=alice,r=x", "n,,r=x", "n,,n=alice",
                                "n,,n=alice,r=", "n,,n=al=ZZice,r=x", "n,a=bob,n=alice,r=x",
                                "n,,n=alice,r=x,tokenauth=true"}) {
    ScramServer server(Hash::sha256, keys);
    EXPECT_FALSE(server.step(bad)) << bad;
  }
  ScramServer server(Hash::sha256, keys);
  ASSERT_TRUE(server.step("n,,n=alice,r=abc"));
  EXPECT_FALSE(server.step("c=biws,r=wrong-nonce,p=AAAA")) << "nonce must match";
  ScramServer binding(Hash::sha256, keys);
  auto first = binding.step("n,,n=alice,r=abc");
  ASSERT_TRUE(first);
  const std::string nonce = first->substr(2, first->find(',') - 2);
  EXPECT_FALSE(binding.step("c=eSws,r=" + nonce + ",p=AAAA")) << "c= must echo the gs2 header";
}

TEST(Scram, AuthorizationIdMustBeTheName) {
  auto keys = store_with(make_api_key("alice", "s3cret", true));
  ScramServer server(Hash::sha512, keys);
  testing::ScramClient client(Hash::sha512, "alice", "s3cret");
  std::string first = client.first();
  first.replace(0, 3, "n,a=alice,");
  auto server_first = server.step(first);
  ASSERT_TRUE(server_first) << server_first.error().message();
}

}  // namespace
}  // namespace kafka_do::broker::security
