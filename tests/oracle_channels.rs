//! Oracle tests for chapter "Destroying and generating": exact fractions and closed forms.

use destroy_then_generate::destroying_and_generating::named_channels::*;
use destroy_then_generate::destroying_and_generating::{
    check_random_chains, numbered, ChainInformation, Channel, ChannelError, Distribution, Joint,
};
use destroy_then_generate::numbers::{ExactBits, Rational};

fn r(n: i128, d: i128) -> Rational {
    Rational::new(n, d)
}

fn joint(channel: &Channel<Rational>) -> Joint<Rational> {
    Joint::new(&example_prior(), channel).unwrap()
}

#[test]
fn the_example_prior_is_the_pair_frequencies() {
    assert_eq!(example_prior().probs, vec![r(2, 3), r(1, 12), r(1, 4)]);
    // H(A) = 3/4 log2 3 in closed form.
    assert_eq!(
        example_prior().entropy(),
        ExactBits::log2(r(3, 1)) * r(3, 4)
    );
}

#[test]
fn product_adds_exactly_one_bit_to_a_fair_coin_message() {
    let j = joint(&product(r(1, 2)));
    assert_eq!(
        j.marginal_b().entropy() - example_prior().entropy(),
        ExactBits::rational(Rational::ONE)
    );
    assert_eq!(j.entropy_b_given_a(), ExactBits::rational(Rational::ONE));
    assert_eq!(j.mutual_information(), example_prior().entropy());
    // Project undoes Product elementwise; Project' recovers the coin and forgets Alice.
    assert_eq!(
        product(r(1, 2)).then(&project()).unwrap().kernel,
        identity::<Rational>(3).kernel
    );
    let coin = Joint::new(
        &example_prior(),
        &product(r(1, 2)).then(&project_prime()).unwrap(),
    )
    .unwrap();
    assert!(coin.mutual_information().is_zero());
    assert_eq!(
        coin.marginal_b().entropy(),
        ExactBits::rational(Rational::ONE)
    );
}

#[test]
fn cypher_and_decrypt_preserve_entropy_and_undo_each_other() {
    for channel in [cypher(), decrypt()] {
        let j = joint(&channel);
        assert_eq!(j.marginal_b().entropy(), example_prior().entropy());
        assert_eq!(j.mutual_information(), example_prior().entropy());
        assert!(j.entropy_a_given_b().is_zero() && j.entropy_b_given_a().is_zero());
    }
    assert_eq!(
        cypher::<Rational>().then(&decrypt()).unwrap().kernel,
        identity::<Rational>(3).kernel
    );
    assert_eq!(
        decrypt::<Rational>().then(&cypher()).unwrap().kernel,
        identity::<Rational>(3).kernel
    );
}

#[test]
fn mash_destroys_the_binary_entropy_of_the_merged_pair() {
    let j = joint(&mash());
    assert_eq!(j.marginal_b().probs, vec![r(2, 3), r(1, 3)]);
    // H(B) = log2 3 − 2/3, and H(A|B) = P(B=1) h2(P(A=1)/P(B=1)) = 1/3 h2(1/4).
    assert_eq!(
        j.marginal_b().entropy(),
        ExactBits::log2(r(3, 1)) - ExactBits::rational(r(2, 3))
    );
    let h2_quarter = ExactBits::neg_p_log2_p(r(1, 4)) + ExactBits::neg_p_log2_p(r(3, 4));
    assert_eq!(j.entropy_a_given_b(), h2_quarter * r(1, 3));
    assert!(j.entropy_b_given_a().is_zero());
}

#[test]
fn mash_prime_ends_in_a_singleton_with_zero_entropy() {
    let to_singleton = mash::<Rational>().then(&mash_prime()).unwrap();
    let j = joint(&to_singleton);
    assert_eq!(j.marginal_b().alphabet, vec!["*".to_string()]);
    assert!(j.marginal_b().entropy().is_zero());
    assert!(j.mutual_information().is_zero());
}

#[test]
fn posterior_guess_restores_the_marginal_but_not_the_message() {
    let prior = example_prior();
    let guess = posterior_guess(&prior, &mash());
    assert_eq!(
        guess.kernel,
        vec![
            vec![r(1, 1), r(0, 1), r(0, 1)],
            vec![r(0, 1), r(1, 4), r(3, 4)]
        ]
    );
    let round_trip = joint(&mash().then(&guess).unwrap());
    assert_eq!(round_trip.marginal_b(), prior);
    assert_eq!(round_trip.probability_different(), r(1, 8));
    // The Guess that ignores B also gets the marginal, and knows nothing about A.
    let blind = joint(&mash().then(&prior_guess(numbered(2), &prior)).unwrap());
    assert_eq!(blind.marginal_b(), prior);
    assert!(blind.mutual_information().is_zero());
}

#[test]
fn mutual_information_identities_hold_exactly() {
    for channel in [identity(3), cypher(), product(r(1, 3)), mash(), shuffle()] {
        let j = joint(&channel);
        let (ha, hb) = (j.marginal_a().entropy(), j.marginal_b().entropy());
        assert_eq!(j.mutual_information(), ha.clone() - j.entropy_a_given_b());
        assert_eq!(j.mutual_information(), hb - j.entropy_b_given_a());
        // I(A;A) = H(A): the identity channel's mutual information.
        assert_eq!(joint(&identity(3)).mutual_information(), ha);
    }
}

#[test]
fn shuffle_matches_the_worked_values() {
    let j = joint(&shuffle());
    assert_eq!(j.marginal_b().probs, vec![r(11, 24), r(3, 8), r(1, 6)]);
    assert_eq!(j.entropy_b_given_a(), ExactBits::rational(Rational::ONE));
    assert!((j.mutual_information().to_f64() - 0.477_334).abs() < 1e-6);
    let chain = ChainInformation::new(
        &example_prior(),
        &shuffle(),
        &posterior_guess(&example_prior(), &shuffle()),
    )
    .unwrap();
    assert!((chain.i_aa2.to_f64() - 0.132_518).abs() < 1e-6);
}

#[test]
fn both_stories_hold_on_every_example_chain() {
    let prior = example_prior();
    let half = r(1, 2);
    let chains = [
        (identity(3), identity(3)),
        (cypher(), decrypt()),
        (product(half), project()),
        (product(half), project_prime()),
        (mash(), posterior_guess(&prior, &mash())),
        (mash(), prior_guess(numbered(2), &prior)),
        (mash(), mash_prime()),
        (shuffle(), posterior_guess(&prior, &shuffle())),
    ];
    for (first, second) in chains {
        let info = ChainInformation::new(&prior, &first, &second).unwrap();
        assert!(
            info.both_stories_hold(),
            "{} then {}",
            first.name,
            second.name
        );
    }
}

#[test]
fn both_stories_hold_on_ten_thousand_random_chains() {
    let summary = check_random_chains(10_000, 7);
    assert_eq!(summary.chains, 10_000);
    assert_eq!(summary.violations, 0);
}

#[test]
fn the_checker_can_fail() {
    // A made-up "chain" whose downstream end claims more about A than B had: the
    // destruction story must reject it.
    let prior = example_prior();
    let mut info =
        ChainInformation::new(&prior, &mash(), &posterior_guess(&prior, &mash())).unwrap();
    info.i_aa2 = prior.entropy();
    assert!(!info.both_stories_hold());
}

#[test]
fn bad_channels_are_rejected_with_a_reason() {
    let rows = vec![vec![0.5, 0.4], vec![1.0, 0.0]];
    let err = Channel::new("Leaky", numbered(2), numbered(2), rows).unwrap_err();
    assert!(matches!(err, ChannelError::RowDoesNotSumToOne { .. }));
    assert_eq!(
        err.to_string(),
        "channel Leaky: row for message 0 sums to 0.9, not 1"
    );
    let err = mash::<Rational>().then(&cypher()).unwrap_err();
    assert!(err.to_string().contains("cannot compose Mash then Cypher"));
    assert!(Distribution::new(numbered(2), vec![r(1, 2), r(1, 3)]).is_err());
    assert!(Channel::new("Negative", numbered(1), numbered(2), vec![vec![1.5, -0.5]]).is_err());
}

#[test]
fn functions_are_morphisms_and_coins_are_not() {
    for channel in [
        identity::<Rational>(3),
        cypher(),
        decrypt(),
        project(),
        project_prime(),
        mash(),
        mash_prime(),
    ] {
        assert!(channel.is_deterministic(), "{}", channel.name);
    }
    for channel in [
        product(r(1, 2)),
        shuffle(),
        posterior_guess(&example_prior(), &mash()),
    ] {
        assert!(!channel.is_deterministic(), "{}", channel.name);
    }
    // A function can only lose entropy.
    assert!(joint(&mash()).marginal_b().entropy().to_f64() <= example_prior().entropy().to_f64());
}
