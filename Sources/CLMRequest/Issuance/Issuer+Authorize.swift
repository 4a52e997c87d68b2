internal import Foundation

extension Issuer {
    /// Makes every pending authorization of `order` valid: present all
    /// challenges, wait for propagation once, tell the CA, poll. Clean-up runs
    /// for everything presented, whatever happened; its failures are logged,
    /// never thrown over the real error.
    func authorize(_ order: ACME.Order, name: String) async throws(IssuanceError) {
        let account = self.account
        let client = self.client
        var pending: [(authorizationURL: String, challenge: ACME.Challenge, context: ChallengeContext)] = []
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
            let keyAuthorization: String
            do { keyAuthorization = try client.keyAuthorization(token: token, accountKey: account.key) } catch { throw .acme(name: name, error) }
            pending.append((url, challenge, ChallengeContext(identifier: authorization.identifier, challengeType: challenge.type,
                                                             token: token, keyAuthorization: keyAuthorization)))
        }
        if pending.isEmpty { return }

        var presented: [ChallengeContext] = []
        var failure: IssuanceError?
        for item in pending {
            do {
                try await solver.present(item.context)
                presented.append(item.context)
            } catch {
                failure = .solver(name: name, identifier: item.context.identifier, challenge: solver.challengeType, step: "present",
                                  underlying: "\(error)")
                break
            }
        }
        if failure == nil, let waiter = solver as? any PropagationWaiting {
            do { try await waiter.waitForPropagation(presented) } catch {
                failure = .state(name: name, "waiting for DNS propagation: \(error)")
            }
        }
        if failure == nil {
            failure = await withTaskGroup(of: IssuanceError?.self) { group in
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
        for context in presented {
            do { try await solver.cleanUp(context) } catch {
                log("\(name): clean-up of \(context.challengeType) for \(context.identifier) failed: \(error)")
            }
        }
        if let failure { throw failure }
    }
}
