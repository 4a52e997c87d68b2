internal import Foundation

extension Issuer {
    /// RFC 8555 §8.3: tokens carry at least 128 bits of entropy in base64url.
    static func isSafeToken(_ token: String) -> Bool {
        token.utf8.count >= 16 && token.utf8.count <= 256
            && token.utf8.allSatisfy { ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 45 || $0 == 95 }
    }

    typealias PendingChallenge = (authorizationURL: String, challenge: ACME.Challenge, context: ChallengeContext)

    /// Makes every pending authorization of `order` valid: present all
    /// challenges, wait for propagation once, tell the CA, poll. Clean-up runs
    /// for everything presented, whatever happened; its failures are logged,
    /// never thrown over the real error.
    func authorize(_ order: ACME.Order, name: String) async throws(IssuanceError) {
        let pending = try await pendingChallenges(order, name: name)
        if pending.isEmpty { return }
        let (presented, presentFailure) = await present(pending, name: name)
        var failure = presentFailure
        if failure == nil, let waiter = solver as? any PropagationWaiting {
            do { try await waiter.waitForPropagation(presented) } catch {
                failure = .state(name: name, "waiting for DNS propagation: \(error)")
            }
        }
        if failure == nil { failure = await respond(to: pending, name: name) }
        for context in presented {
            do { try await solver.cleanUp(context) } catch {
                log("\(name): clean-up of \(context.challengeType) for \(context.identifier) failed: \(error)")
            }
        }
        if let failure { throw failure }
    }

    /// The challenge of our type in each pending authorization, with its key authorization.
    func pendingChallenges(_ order: ACME.Order, name: String) async throws(IssuanceError) -> [PendingChallenge] {
        var pending: [PendingChallenge] = []
        for url in order.authorizations {
            let authorization: ACME.Authorization
            do { authorization = try await client.authorization(account, url: url) } catch { throw .acme(name: name, error) }
            guard authorization.status == .pending else {
                if authorization.status == .valid { continue }
                throw .acme(name: name, .authorizationFailed(identifier: authorization.identifier, challenge: nil, problem: nil))
            }
            guard let challenge = authorization.challenges.first(where: { $0.type == solver.challengeType }), let token = challenge.token else {
                throw .acme(name: name, .noSuitableChallenge(identifier: authorization.identifier, offered: authorization.challenges.map(\.type),
                                                             wanted: solver.challengeType))
            }
            // RFC 8555 §8.3: a token is base64url; anything else could walk out of a webroot.
            guard Self.isSafeToken(token) else {
                throw .acme(name: name, .authorizationFailed(identifier: authorization.identifier, challenge: challenge.type,
                                                             problem: Problem(type: "clm:unsafeToken",
                                                                                   detail: "the CA sent a challenge token that is not base64url; refusing to use it as a file name")))
            }
            let keyAuthorization: String
            do { keyAuthorization = try client.keyAuthorization(token: token, accountKey: account.key) } catch { throw .acme(name: name, error) }
            pending.append((url, challenge, ChallengeContext(identifier: authorization.identifier, challengeType: challenge.type,
                                                             token: token, keyAuthorization: keyAuthorization)))
        }
        return pending
    }

    /// Presents each challenge in turn; stops at the first failure. Returns
    /// what was presented (to clean up) and the failure, if any.
    func present(_ pending: [PendingChallenge], name: String) async -> (presented: [ChallengeContext], failure: IssuanceError?) {
        var presented: [ChallengeContext] = []
        for item in pending {
            do {
                try await solver.present(item.context)
                presented.append(item.context)
            } catch {
                return (presented, .solver(name: name, identifier: item.context.identifier, challenge: solver.challengeType, step: "present",
                                           underlying: "\(error)"))
            }
        }
        return (presented, nil)
    }

    /// Tells the CA every challenge is ready and polls the authorizations at once; the first failure, if any.
    func respond(to pending: [PendingChallenge], name: String) async -> IssuanceError? {
        let account = self.account
        let client = self.client
        return await withTaskGroup(of: IssuanceError?.self) { group in
            for item in pending {
                group.addTask {
                    do throws(ACMEError) {
                        _ = try await client.respond(account, to: item.challenge)
                        let final = try await client.pollAuthorization(account, url: item.authorizationURL)
                        guard final.status == .valid else {
                            let problem = final.challenges.first { $0.type == item.challenge.type }?.error
                            return .acme(name: name, .authorizationFailed(identifier: final.identifier, challenge: item.challenge.type, problem: problem))
                        }
                        return nil
                    } catch {
                        return .acme(name: name, error)
                    }
                }
            }
            var first: IssuanceError?
            for await result in group where first == nil { first = result }
            return first
        }
    }
}
