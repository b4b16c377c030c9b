#include <gtest/gtest.h>

#include "filter/checks.hpp"
#include "filter/test_util.hpp"

namespace facteur::filter {
namespace {

using test::has_reason;
using test::message;
using test::run_check;

// Whether the hoax check calls the message a hoax or chain letter.
bool called_hoax(const Check& check, const std::string& m) {
  return has_reason(run_check(check, m), "hoax.chain-letter");
}

TEST(ScamCheck, AdvanceFeeLetterInEnglish) {
  auto check = make_scam_check();
  std::string m = message(
      "From: \"Dr. Samuel Okoro\" <s.okoro@bank-office.example>\n"
      "Reply-To: samuel.okoro1@gmail.com\nSubject: STRICTLY CONFIDENTIAL PROPOSAL\n",
      "Dear Friend,\n\nI am the manager of the audit department of a bank. A foreign client, "
      "the late Mr. Peter Walsh, died in a plane crash leaving a dormant account with the sum "
      "of US$12,500,000.00 (Twelve Million Five Hundred Thousand US Dollars). Nobody has come "
      "to claim it as next of kin. I want you to stand as the beneficiary so that we transfer "
      "the fund into your bank account. You will have 30 percent of the total sum for your "
      "assistance. This transaction is risk free but must be kept strictly confidential.\n"
      "Reply urgently with your full name and private phone number.\n");
  auto v = run_check(*check, m);
  ASSERT_TRUE(has_reason(v, "scam.advance-fee"));
  EXPECT_GE(test::points(v, Label::scam), 6.0);
}

TEST(ScamCheck, AdvanceFeeLetterInFrench) {
  auto check = make_scam_check();
  std::string m = message(
      "From: Maitre Didier Kouassi <avocat.kouassi@cabinet.example>\n"
      "Subject: Proposition d'affaire confidentielle\n",
      "Bonjour,\n\nJe suis avocat et notaire de feu mon client, décédé avec toute sa famille "
      "dans un accident. Il a laissé la somme de 4.500.000 euros (quatre millions cinq cent "
      "mille euros) sur un compte dormant. Je cherche un partenaire étranger, une personne de "
      "confiance, pour faire le transfert des fonds sur votre compte bancaire. Vous recevrez "
      "un pourcentage de 40% du montant total. Cette affaire doit rester strictement "
      "confidentiel. Envoyez-moi vos coordonnées et votre numéro de téléphone.\n");
  EXPECT_TRUE(has_reason(run_check(*check, m), "scam.advance-fee"));
}

TEST(ScamCheck, FrenchSumsGroupedWithSpacesAndFeminineWording) {
  // "8 500 000 euros": French groups thousands with spaces; "strictement confidentielle",
  // "sans héritier", "nous partagerons", "adresse privée".
  auto check = make_scam_check();
  std::string m = message(
      "From: Me Jean Kone <jkone@etude.example>\nSubject: Proposition\n",
      "Bonjour,\n\nMon défunt client est mort dans un accident de la route avec sa famille, "
      "laissant un dépôt de 8 500 000 euros. Sans héritier, la banque va confisquer les fonds. "
      "Je vous propose de vous présenter comme le bénéficiaire ; nous partagerons la somme. "
      "Cette affaire doit rester strictement confidentielle. Répondez à mon adresse privée.\n");
  auto v = run_check(*check, m);
  ASSERT_TRUE(has_reason(v, "scam.advance-fee"));
  bool large = false;
  for (const auto& r : v.reasons)
    large = large || r.text.find("large sums of money") != std::string::npos;
  EXPECT_TRUE(large);
  // A quote with grouped digits and no fraud wording is not one.
  std::string quote = message("From: shop@example.fr\nSubject: Devis\n",
                              "Le devis s'élève à 12 500 euros, livraison comprise.\n");
  EXPECT_FALSE(has_reason(run_check(*check, quote), "scam.advance-fee"));
}

// The letter of AdvanceFeeLetterInEnglish, quoted or forwarded below someone's own words.
constexpr const char* kLetter =
    "Dear Friend, I am the manager of the audit department of a bank. A foreign client, the "
    "late Mr. Peter Walsh, died in a plane crash leaving a dormant account with the sum of "
    "US$12,500,000.00. Nobody has come to claim it as next of kin. I want you to stand as the "
    "beneficiary so that we transfer the fund into your bank account. You will have 30 percent "
    "of the total sum for your assistance. This transaction is risk free but must be kept "
    "strictly confidential.\n";

TEST(ScamCheck, AWarningThatQuotesAnAdvanceFeeLetterIsNoScam) {
  auto check = make_scam_check();
  auto forwarded = [&](std::string own, std::string marker, bool quote) {
    std::string letter = quote ? "> " + std::string(kLetter) : std::string(kLetter);
    return run_check(*check, message("From: Priya <priya@northgate.example>\nSubject: FW: "
                                     "URGENT BUSINESS PROPOSAL\n",
                                     own + "\n\n" + marker + "\n" + letter));
  };
  // The author's own words call it a scam: a colleague warning the staff.
  EXPECT_FALSE(has_reason(forwarded("Hi all, this is a classic 419 scam. Please do NOT reply.",
                                    "-----Original Message-----", true),
                          "scam.advance-fee"));
  EXPECT_FALSE(has_reason(forwarded("Bonjour, c'est une arnaque : ne répondez pas.",
                                    "-------- Message transféré --------", false),
                          "scam.advance-fee"));
  // Own words that call it nothing, or deny the fraud, exempt nothing; nor does a warning in
  // a letter that quotes nothing.
  EXPECT_TRUE(has_reason(forwarded("FYI, see below.", "-----Original Message-----", true),
                         "scam.advance-fee"));
  EXPECT_TRUE(has_reason(
      forwarded("This is not a scam, reply quickly.", "-----Original Message-----", true),
      "scam.advance-fee"));
  EXPECT_TRUE(has_reason(forwarded("The UN fund compensates scam victims: see below.",
                                   "-----Original Message-----", true),
                         "scam.advance-fee"));
  EXPECT_TRUE(has_reason(
      run_check(*check,
                message("From: a@bank-office.example\nSubject: Proposal\n",
                        std::string(kLetter) + "Beware of scams: do not reply to others.\n")),
      "scam.advance-fee"));
  // The fraud in the author's own words, with a quote below, is the fraud.
  EXPECT_TRUE(has_reason(
      forwarded(std::string(kLetter) + "Beware of scams.", "-----Original Message-----", true),
      "scam.advance-fee"));
  // The fraudster's denials in other words, and "do not reply here" before a private address,
  // are no warning.
  for (const char* own :
       {"This isn't a 419 scam, I assure you.", "It is no fraud at all.",
        "Ce n'est pas de l'arnaque, je vous assure.", "Don't think this is a scam.",
        "It is not at all a scam.", "This doesn't look like a scam, does it?",
        "Do not reply to this address, write to my private one.",
        // Across a parenthesis set off by commas.
        "It is not, I assure you, a scam.", "Ce n'est pas, croyez-moi, une arnaque."})
    EXPECT_TRUE(has_reason(forwarded(own, "-----Original Message-----", true), "scam.advance-fee"))
        << own;
  // Nor is a warning whose replies go to free mail: the letter's own request.
  EXPECT_TRUE(has_reason(
      run_check(*check, message("From: Priya <priya@northgate.example>\n"
                                "Reply-To: priya.private@gmail.com\nSubject: FW: PROPOSAL\n",
                                "This is a scam, do not reply.\n\n-----Original Message-----\n> " +
                                    std::string(kLetter))),
      "scam.advance-fee"));
  // Nor words fraudsters use of others: a spam folder, fake agents, scammers out there.
  for (const char* own : {"My earlier mail may be in your spam folder, so here it is again.",
                          "Beware of fake agents who may contact you in my name.",
                          "There are many scammers out there, so trust only me."})
    EXPECT_TRUE(has_reason(forwarded(own, "-----Original Message-----", true), "scam.advance-fee"))
        << own;
  // Any free-mail Reply-To other than the sender, not only the first, nor only another
  // provider's.
  for (const char* headers :
       {"From: Priya <priya@northgate.example>\nReply-To: priya@northgate.example, "
        "estate.walsh@gmail.com\n",
        "From: Priya <priya.n@gmail.com>\nReply-To: estate.walsh@gmail.com\n"})
    EXPECT_TRUE(
        has_reason(run_check(*check, message(std::string(headers) + "Subject: FW: PROPOSAL\n",
                                             "This is a scam, do not reply.\n\n-----Original "
                                             "Message-----\n> " +
                                                 std::string(kLetter))),
                   "scam.advance-fee"))
        << headers;
  // Real warnings: an order is no denial, a sentence's end parts the words, and describing
  // the scam is not being it.
  for (const char* own :
       {"Please do not reply. Scam.", "Ne repondez pas. Arnaque !",
        "Never reply to scams like this one.", "Do not fall for scams like the one below.",
        "Don't think twice: delete it, it's a scam.", "Do not reply, it is a scam.",
        "No, no, a scam, delete it.", "Is this real? No, sadly, a scam.",
        "By no means reply to this scam.", "Ne répondez en aucun cas à cette arnaque.",
        "Classic 419 scam: a lawyer of a deceased client offers you a share "
        "of millions of dollars."})
    EXPECT_FALSE(has_reason(forwarded(own, "-----Original Message-----", true), "scam.advance-fee"))
        << own;
  // Nor the letter in the author's own words with one quoted line slipped in.
  EXPECT_TRUE(
      has_reason(run_check(*check, message("From: a@bank-office.example\nSubject: P\n",
                                           "Beware of scams.\n> Hello\n" + std::string(kLetter))),
                 "scam.advance-fee"));
}

TEST(ScamCheck, ThePhilanthropistAndTheUnclaimedPayment) {
  // Today's variants: a fortune given away to strangers "randomly selected", and an official
  // of the UN or the World Bank holding an unclaimed payment, with no sum named.
  auto check = make_scam_check();
  auto donation = message(
      "From: Grace Whitfield <office@foundation-mail.example>\n"
      "Reply-To: grace.whitfield.office@outlook.com\nSubject: Donation for you\n",
      "Hello, I am Grace Whitfield, a philanthropist. I have decided to secretly donate "
      "$4.2 Million to five randomly selected individuals this year, and your address was "
      "chosen. Contact me for the release of your donation.\n");
  EXPECT_TRUE(has_reason(run_check(*check, donation), "scam.advance-fee"));
  auto unclaimed = message(
      "From: Office of the Ambassador <amb.office@secretariat-mail.example>\nSubject: Notice\n",
      "Good day, I am an ambassador with the United Nations and work with the Department of "
      "the Treasury and its bureau of unclaimed funds. Our audit found an unclaimed payment "
      "that was to be remitted to you. To claim your funds, "
      "send me your full name, your phone number and a copy of your ID so that we can "
      "approve the funds to your name within 48 hours.\n");
  EXPECT_TRUE(has_reason(run_check(*check, unclaimed), "scam.advance-fee"));
  // A charity asking for a donation, a foundation's grant report: no.
  auto charity = message("From: Food Bank <news@foodbank.example>\nSubject: Winter appeal\n",
                         "This winter, a donation of $50 feeds a family for a week. Our "
                         "philanthropy partners will match every gift. Donate today.\n");
  EXPECT_FALSE(has_reason(run_check(*check, charity), "scam.advance-fee"));
}

TEST(ScamCheck, TwoKindsDweltOnAreEnough) {
  // A sum and an heir, insisted on, with replies to a free-mail address: no percentage, no
  // secrecy, no fees named yet (they come in the second letter).
  auto check = make_scam_check();
  auto m = message(
      "From: Barrister John Mensah <j.mensah@chambers-mail.example>\n"
      "Reply-To: barr.johnmensah@yahoo.com\nSubject: Estate of late Engr. Paul Reid\n",
      "Dear Sir,\n\nI am the personal attorney to the late Engr. Paul Reid, who died with his "
      "wife and only daughter in a car accident. He left the sum of US$9.5 Million with a "
      "finance house here. Since his death I have searched for a relative, without success. As "
      "you bear the same last name, I wish to present you as the beneficiary of the estate, so "
      "that the US$9.5 Million left by my late client is paid to you.\n");
  EXPECT_TRUE(has_reason(run_check(*check, m), "scam.advance-fee"));
}

TEST(ScamCheck, TheDyingDonorAndTheInvestor) {
  auto check = make_scam_check();
  auto dying = message(
      "From: Mrs. Helen Brook <h.brook@careline.example>\n"
      "Reply-To: helenbrook44@hotmail.com\nSubject: My last wish\n",
      "I have been diagnosed with a terminal disease and my doctors say I will not live long. "
      "It is my last wish that my fortune of 6,800,000 USD goes to charity through you. Reply "
      "and I will give you the contact of my lawyer.\n");
  EXPECT_TRUE(has_reason(run_check(*check, dying), "scam.advance-fee"));
  auto investor = message(
      "From: Mr. Kelvin Moore <kmoore@mail-house.example>\n"
      "Reply-To: kelvinmoore.private@gmail.com\nSubject: Investment\n",
      "I am looking for a capable hand to invest the funds my father left me, US$ 24.5M, in "
      "your country. You will manage the investment and keep a share of the profits. I need a "
      "reliable partner who can also receive the funds on our behalf.\n");
  EXPECT_TRUE(has_reason(run_check(*check, investor), "scam.advance-fee"));
  // Illness and investment in ordinary mail: one topic each, no fraud.
  auto family = message("From: Ann <ann@family.example>\nSubject: Dad\n",
                        "Dad was diagnosed with a terminal disease last week. His last wish "
                        "is to see the sea once more; can you come in May?\n");
  EXPECT_TRUE(run_check(*check, family).reasons.empty());
  auto business = message(
      "From: CFO <cfo@company.example>\nSubject: Lyon plant\n",
      "The board wants a reliable partner for the Lyon plant: we would invest 3 million euros "
      "over two years. Can you prepare the shortlist?\n");
  EXPECT_TRUE(run_check(*check, business).reasons.empty());
}

TEST(ScamCheck, ABulletinAboutTheFraudIsNoFraud) {
  // Written in its own words, not quoting a letter: it names the fraud again and again.
  auto check = make_scam_check();
  auto bulletin = message(
      "From: IT Security <security@university.example>\nSubject: Security bulletin: 419 "
      "fraud\n",
      "This month: advance-fee fraud, the 419 scam. A stranger writes that a late client left "
      "US$ 12 million in a dormant account and offers you 30 percent of the total sum for your "
      "assistance, if you keep it strictly confidential. Then come the fees. The money never "
      "existed: it is a fraud from start to end. Report such scams to the service desk.\n");
  EXPECT_FALSE(has_reason(run_check(*check, bulletin), "scam.advance-fee"));
  // The compensation letter names scams as often, and pays "victims": still fraud.
  auto compensation = message(
      "From: UN Compensation Unit <unit@compensation-office.example>\n"
      "Reply-To: un.compensation.desk@gmail.com\nSubject: Scam victims compensation\n",
      "Your name is on the list of scam victims to be compensated. Fraud and scams cost you "
      "money, and the fraud unit has approved US$ 2.5 million for your compensation from the "
      "dormant account of the fund. Keep this strictly confidential and send your bank "
      "details.\n");
  EXPECT_TRUE(has_reason(run_check(*check, compensation), "scam.advance-fee"));
}

TEST(ScamCheck, EvidenceBelowTheThresholdIsAHint) {
  auto check = make_scam_check();
  std::string m =
      message("From: a@example.fr\nSubject: Succession\n",
              "Suite au décès de votre oncle, la succession comprend 2 500 000 euros.\n");
  auto v = run_check(*check, m);
  EXPECT_FALSE(has_reason(v, "scam.advance-fee"));
  EXPECT_EQ(v.score, 0);
  EXPECT_GT(v.hints[static_cast<std::size_t>(Label::scam)], 0);
}

TEST(ScamCheck, ShareCapitalInAFooterIsNoSum) {
  auto check = make_scam_check();
  auto v =
      run_check(*check, message("From: a@example.fr\nSubject: Facture\n",
                                "Veuillez trouver la facture ci-jointe.\n--\nDupont SAS au capital "
                                "de 150 000 euros, RCS Lyon, compte bancaire sur demande.\n"));
  EXPECT_EQ(v.hints[static_cast<std::size_t>(Label::scam)], 0);
}

TEST(ScamCheck, BusinessMailAboutMoneyIsNotFraud) {
  auto check = make_scam_check();
  std::string m = message(
      "From: Finance <finance@company.example>\nSubject: Q3 budget\n",
      "Hi team,\n\nThe board approved the 2.5 million dollars budget for the new plant. The "
      "transfer of the first instalment to the contractor's bank account is planned for "
      "Monday. Please send me your comments on the attached report as soon as possible.\n\n"
      "Thanks,\nMaria\n");
  EXPECT_TRUE(run_check(*check, m).reasons.empty());
}

TEST(HoaxCheck, VirusWarningInEnglish) {
  auto check = make_hoax_check();
  std::string m = message(
      "From: Joan <joan@example.net>\nSubject: Fwd: FW: URGENT virus warning!!\n",
      "> WARNING: if you get a message called \"Holiday Pictures\" do NOT open it. It is a "
      "virus that will erase your whole hard drive. Microsoft announced it yesterday and "
      "there is no remedy. This is not a joke. Forward this to everyone in your address book "
      "so that they are protected!\n");
  auto v = run_check(*check, m);
  ASSERT_TRUE(has_reason(v, "hoax.chain-letter"));
  EXPECT_GE(test::points(v, Label::hoax), 5.0);
}

TEST(HoaxCheck, ChainLetterInFrench) {
  auto check = make_hoax_check();
  std::string m = message(
      "From: Sylvie <sylvie@example.org>\nSubject: TR: TR: la chaîne du bonheur\n",
      "Cette lettre porte-bonheur a déjà fait dix fois le tour du monde. Envoyez-la à 15 "
      "personnes dans les 3 jours et vous aurez une bonne nouvelle. Ne brisez pas la chaîne : "
      "un homme l'a jetée et a eu une grande malchance. Ce n'est pas une blague ! Faites "
      "suivre à tous vos contacts.\n");
  EXPECT_TRUE(called_hoax(*check, m));
}

TEST(HoaxCheck, ChainLetterToOnePersonInFrench) {
  // The "tu" form of the plea and of the threat.
  auto check = make_hoax_check();
  std::string m = message(
      "From: Sophie <sophie@example.fr>\nSubject: TR: porte-bonheur\n",
      "Cette lettre porte-bonheur a déjà fait le tour du monde. Envoie-la à 20 personnes dans "
      "les quatre jours et tu auras une surprise. Ne brise pas la chaîne : une femme qui l'a "
      "jetée a eu un accident. Ce n'est pas une blague !\n");
  auto v = run_check(*check, m);
  ASSERT_TRUE(has_reason(v, "hoax.chain-letter"));
  EXPECT_GE(test::points(v, Label::hoax), 5.0);
}

TEST(HoaxCheck, EverydayForwardsAndAppealsAreNotHoaxes) {
  auto check = make_hoax_check();
  // "Je te transfère le mail de Julie", "je te fais suivre": everyday French, with TR:.
  auto v = run_check(*check, message("From: a@example.fr\nSubject: TR: compte rendu\n",
                                     "Salut, je te transfère le mail de Julie, selon elle c'est "
                                     "important. Je te fais suivre aussi le devis.\n"));
  EXPECT_FALSE(has_reason(v, "hoax.chain-letter"));
  EXPECT_EQ(v.hints[static_cast<std::size_t>(Label::hoax)], 0);
  // A blood-donation newsletter asking to share.
  v = run_check(*check,
                message("From: news@blood.example.org\nSubject: Give blood this spring\n",
                        "Blood donors save lives. Our doctors need 500 donors this month. Please "
                        "share with your family. Important: bring an ID.\n"));
  EXPECT_FALSE(has_reason(v, "hoax.chain-letter"));
  // An association's "partagez" alone is no hint for the classifiers' language check.
  v = run_check(*check, message("From: asso@example.fr\nSubject: Fête du parc\n",
                                "La fête du parc a lieu samedi. Partagez l'invitation !\n"));
  EXPECT_EQ(v.hints[static_cast<std::size_t>(Label::hoax)], 0);
}

TEST(HoaxCheck, ForwardPaysInEnglish) {
  auto check = make_hoax_check();
  std::string m = message(
      "From: Tom <tom@example.com>\nSubject: Fw: Fw: free money from Microsoft (really)\n",
      ">> Microsoft is running an e-mail tracking system. For every person you forward this "
      "message to, Microsoft will pay you $5. I didn't believe it either but my cousin got a "
      "check. Forward this to all your friends!\n");
  EXPECT_TRUE(called_hoax(*check, m));
}

TEST(HoaxCheck, NamedMessageToFearAndANumberOfPeople) {
  // "If you receive an email titled ..." and "send this to 15 people" are the whole plea here.
  auto check = make_hoax_check();
  auto en = message("From: a@example.org\nSubject: Free Money\n",
                    "If you receive an email titled Free Money, it carries a virus.\n"
                    "Send this to 15 people today.\n");
  EXPECT_TRUE(called_hoax(*check, en));
  auto fr = message("From: a@example.org\nSubject: Cadeau\n",
                    "Si vous recevez un courriel intitule Cadeau, c'est un virus.\n"
                    "Envoyez ce message a 10 personnes.\n");
  EXPECT_TRUE(called_hoax(*check, fr));
  // A number of people without the plea to forward: a newsletter, not a chain.
  auto plain = message("From: a@example.org\nSubject: Event\n",
                       "If you receive an email from us about the virus season, 15 people\n"
                       "from the clinic will attend.\n");
  EXPECT_FALSE(called_hoax(*check, plain));
}

TEST(HoaxCheck, OrdinaryForwardIsNotAHoax) {
  auto check = make_hoax_check();
  std::string m =
      message("From: Paul <paul@example.com>\nSubject: Fwd: minutes of the meeting\n",
              "---------- Forwarded message ----------\nHere are the minutes. Important: the next "
              "meeting moves to Thursday. Please forward this to Anne, she was not on the list.\n");
  EXPECT_TRUE(run_check(*check, m).reasons.empty());
}

TEST(HoaxCheck, PleasWordedAnewAreFound) {
  // Hoaxes reword the plea each time; the detector finds it by its shape (chain_plea.hpp) and
  // adds what chain letters carry around it: guilt, a claim of truth, hearsay, a scare.
  auto check = make_hoax_check();
  auto en = message("From: a@example.org\nSubject: PLEASE READ - happened at the mall\n",
                    "My neighbour's cousin works at the hospital, so this is not one of those "
                    "internet stories. Men are handing out samples of ether in car parks.\n"
                    "Don't just read this and delete it. Send it to all the people you love, "
                    "it could save a life.\n");
  EXPECT_TRUE(called_hoax(*check, en));
  auto fr = message("From: a@example.fr\nSubject: TR : Vol d'organes, ce n'est pas une légende\n",
                    "Ça vient du beau-frère d'un collègue, c'est du vécu : on lui a retiré un "
                    "rein dans un hôtel. On n'en parle pas dans les journaux.\nFaites tourner.\n");
  EXPECT_TRUE(called_hoax(*check, fr));
}

TEST(HoaxCheck, DebunkingsQuoteHoaxesWithoutBeingOne) {
  // A list post quoting a virus hoax to say it is one, asking not to pass it on.
  auto check = make_hoax_check();
  auto en =
      message("From: a@example.org\nSubject: Re: FW: VIRUS WARNING\n",
              "> IF YOU RECEIVE AN EMAIL TITLED \"WIN A HOLIDAY\" DO NOT OPEN IT! IT WILL "
              "ERASE YOUR HARD DRIVE. THIS IS NOT A JOKE, IT WAS ON CNN. FORWARD THIS TO "
              "EVERYONE YOU KNOW!\n\nThis is a hoax, see snopes. Please do not forward it.\n");
  EXPECT_FALSE(called_hoax(*check, en));
  auto fr = message("From: a@example.fr\nSubject: Re: TR: TR: ALERTE VIRUS\n",
                    "> N'OUVREZ PAS LE MESSAGE \"CARTE VIRTUELLE\", CE VIRUS EFFACE LE DISQUE DUR, "
                    "C'EST CONFIRME PAR MICROSOFT. FAITES SUIVRE A TOUS VOS CONTACTS !\n\n"
                    "C'est un canular qui circule depuis 2001 : ne faites pas suivre.\n");
  EXPECT_FALSE(called_hoax(*check, fr));
  // A hoax that says others call it one, or that claims a check: still a hoax. "If you don't
  // forward it" is the hoax's own pressure, not a debunking.
  auto claimed = message("From: a@example.org\nSubject: FW: virus\n",
                         "Some say it's a hoax but it's true, I checked on snopes. If you "
                         "receive an email titled \"Win a holiday\" do not open it, the virus "
                         "erases your hard drive. Forward this to everyone you know!\n");
  EXPECT_TRUE(called_hoax(*check, claimed));
  auto hoax = message("From: a@example.org\nSubject: FW: virus\n",
                      "If you receive an email titled \"Win a holiday\" do not open it, the virus "
                      "erases your hard drive. Forward this to everyone you know. If you don't "
                      "forward it, you are putting your friends at risk.\n");
  EXPECT_TRUE(called_hoax(*check, hoax));
}

TEST(HoaxCheck, ADebunkingSaysSoInItsOwnWords) {
  // A newsletter quoting hoaxes, their pleas and pressure included ("if you don't send it to
  // 18 people"), and calling them false in its own text is no hoax; a forward whose sender
  // only wonders whether it is one still is.
  auto check = make_hoax_check();
  auto letter =
      message("From: lettre@example.fr\nSubject: Lettre anti-rumeurs n 87\n",
              "Le message qui circule :\n\n  > MSN va devenir payant. Pour que votre compte reste "
              "gratuit, envoyez ce message a TOUS vos contacts.\n  > Si vous ne l'envoyez pas a au "
              "moins 18 personnes, votre compte sera supprime. Ce n'est pas une blague !\n\n"
              "Verdict : FAUX. Cette rumeur circule depuis 2002.\n");
  EXPECT_FALSE(called_hoax(*check, letter));
  auto hedged =
      message("From: a@example.org\nSubject: FW: MSN\n",
              "I don't know if this is a hoax but better safe than sorry.\n\n> MSN will start "
              "charging. To stay free, send this to ALL your contacts.\n> If you don't forward it "
              "to 18 people your account will be deleted. This is not a joke!\n");
  EXPECT_TRUE(called_hoax(*check, hedged));
  // The same below the quote, as list replies are written.
  auto reply = message(
      "From: admin@example.org\nSubject: Re: FW: WARNING!!!\n",
      "On Tue, Oct 16, 2001 at 09:12:40PM -0500, Marge wrote:\n> If you receive an e-mail "
      "titled \"A Virtual Card\" DO NOT open it. It will erase your hard drive. McAfee "
      "confirmed it and it was on CNN. Forward this to everyone you know!!!\n\nMarge, this "
      "one is a hoax: there is no such virus. Real advisories never ask you to forward them.\n");
  EXPECT_FALSE(called_hoax(*check, reply));
}

TEST(HoaxCheck, CopyAndPasteNoticesAreChainLetters) {
  // "Copy and paste it as your status, sharing doesn't count" passes the notice on to
  // everybody the reader knows; its pseudo-legal declaration (Berne Convention, UCC 1-308)
  // is the family's. A link to copy into a browser is no such plea.
  auto check = make_hoax_check();
  for (const auto& m :
       {message("From: a@example.com\nSubject: copy and paste to your wall!!!\n",
                "Everybody has to post this before midnight. Just copy and paste it as a "
                "status, sharing doesn't count!\n\nIn response to the new guidelines, I "
                "hereby declare that my copyright is attached to all of my photos (Berne "
                "Convention). It is strictly forbidden to disclose or copy this profile (UCC "
                "1-308).\n"),
        message("From: a@example.fr\nSubject: Instagram !!!\n",
                "Demain Instagram change ses règles. Il faut copier-coller ce texte sur votre "
                "mur (pas partager, ça ne compte pas) :\n« Je n'autorise pas Instagram à "
                "utiliser mes photos. Par cette déclaration, je notifie Instagram qu'il est "
                "strictement interdit de les divulguer. »\n")})
    EXPECT_TRUE(called_hoax(*check, m)) << m;
  for (const auto& m :
       {message("From: a@example.com\nSubject: Facebook\n",
                "Copy this text and paste it on your timeline, sharing doesn't count!\nI hereby "
                "declare that my photos are protected by the Berne Convention. UCC 1-308.\n"),
        message("From: a@example.fr\nSubject: Facebook\n",
                "Copiez ce texte et collez-le sur votre mur, le partage ne compte pas !\nJe "
                "déclare par la présente que mes photos sont protégées par la Convention de "
                "Berne.\n")})
    EXPECT_TRUE(called_hoax(*check, m)) << m;
  auto link = message("From: shop@example.com\nSubject: Your order\n",
                      "If the button does not work, copy and paste this link into your "
                      "browser. It is strictly forbidden to share your password; we will "
                      "never ask for written consent by mail.\n");
  EXPECT_FALSE(called_hoax(*check, link));
}

TEST(HoaxCheck, AVoucherForSharingAndAThreatWithoutItsPronoun) {
  // The prize promised to whoever shares, and "si vous ne transférez pas ce message" (the
  // threat said without "le"), each beside a plea.
  auto check = make_hoax_check();
  for (const auto& m :
       {message("From: a@example.fr\nSubject: Bon d'achat 250 euros\n",
                "Le magasin offre un bon d'achat de 250 euros à tous ceux qui partagent ce "
                "message avec 20 amis ! Envoyez à 20 contacts.\n"),
        message("From: a@example.fr\nSubject: WhatsApp payant\n",
                "ENVOYEZ CE MESSAGE A 10 DE VOS CONTACTS. SI VOUS NE TRANSFEREZ PAS CE MESSAGE "
                "AVANT SAMEDI, VOTRE COMPTE DEVIENDRA PAYANT.\n")})
    EXPECT_TRUE(called_hoax(*check, m)) << m;
}

TEST(HoaxCheck, NoticesNewslettersAndHelpTextsAreNoHoaxes) {
  // From review: an IT desk's warning about hackers ("n'acceptez pas", "prévenez tous vos
  // contacts"), a newsletter one may forward with a legal footer, an app's help to copy a
  // badge onto one's profile, a blood drive with free tickets to "parlez-en autour de vous".
  auto check = make_hoax_check();
  for (const auto& m :
       {message("From: dsi@example.fr\nSubject: Fausses demandes LinkedIn\n",
                "Des pirates informatiques envoient en ce moment de fausses demandes d'ajout sur "
                "LinkedIn au nom de la direction. N'acceptez pas ces demandes et ne cliquez pas "
                "sur les liens. Prévenez tous vos contacts.\n"),
        message("From: news@example.org\nSubject: Spring newsletter\n",
                "The spring fair is on 12 April. Feel free to forward this newsletter to all "
                "your friends.\n(c) 2025 Riverside Association. Reproduction without our "
                "written consent is strictly forbidden.\n"),
        message("From: club@example.org\nSubject: Your badge\n",
                "To display your club badge, copy and paste the code below on your profile: "
                "[badge id=4821]\nAny disclosure without our written consent is strictly "
                "forbidden.\n"),
        message("From: ce@example.fr\nSubject: Collecte de sang\n",
                "Une collecte de sang a lieu samedi. Chaque donneur reçoit des billets gratuits "
                "pour le cinéma. Un don peut sauver des vies. Parlez-en autour de vous !\n")})
    EXPECT_FALSE(called_hoax(*check, m)) << m;
}

TEST(HoaxCheck, ADebunkingIsNotFooledByTheForwardersNote) {
  // From review: the forwarder's own note denies it is a rumour, or doubts; a hoax with one
  // indented quote line in it; neither is a debunking.
  auto check = make_hoax_check();
  for (const auto& m :
       {message("From: a@example.fr\nSubject: TR: MSN\n",
                "Ce n'est pas une rumeur, ma cousine travaille chez Microsoft !!\n\n> MSN va "
                "devenir payant. Envoyez ce message à TOUS vos contacts.\n> Si vous ne "
                "l'envoyez pas à au moins 18 personnes, votre compte sera supprimé.\n"),
        message("From: a@example.org\nSubject: FW: MSN\n",
                "Maybe it's a hoax but better safe than sorry!!\n\n> MSN will start "
                "charging. Send this to ALL your contacts.\n> If you don't forward it your "
                "account will be deleted.\n"),
        message("From: a@example.org\nSubject: FW: virus\n",
                "Checked it on Snopes, it's legit.\n\n> If you receive an email titled \"Win "
                "a holiday\" do not open it, the virus erases your hard drive. Forward this to "
                "everyone you know!\n"),
        message("From: a@example.org\nSubject: FW: virus\n",
                "This is NOT fake news, my IT guy told me.\n\n> If you receive an email titled "
                "\"Win a holiday\" do not open it, the virus erases your hard drive. Forward "
                "this to everyone you know!\n"),
        message("From: a@example.org\nSubject: MSN\n",
                "MSN will start charging, the rumours were right. To stay free, send this to "
                "ALL your contacts. If you don't forward it your account will be deleted.\n"
                "  > Inactive accounts will be closed.\n")})
    EXPECT_TRUE(called_hoax(*check, m)) << m;
}

TEST(HoaxCheck, TheHackerWhoSendsAFriendRequest) {
  // "Don't accept his friend request, he is a hacker": today's virus warning.
  auto check = make_hoax_check();
  auto m = message("From: a@example.com\nSubject: Facebook hacker\n",
                   "Please tell all the contacts in your list not to accept Jayden K. Smith's "
                   "friend request. He is a hacker and has the system connected to your "
                   "Facebook account. Forward this to everyone you know.\n");
  EXPECT_TRUE(called_hoax(*check, m));
}

TEST(HoaxCheck, TodaysVirusWarningSaysHacks) {
  // "It hacks your phone" is today's "virus"; an IT notice with no plea is no hoax.
  auto check = make_hoax_check();
  auto hoax = message("From: a@example.com\nSubject: pls read!!\n",
                      "If a video called \"Dance of the Pope\" comes up on WhatsApp DON'T OPEN "
                      "IT!! It hacks your phone in 10 secs.\nPass it on to all your contacts\n");
  EXPECT_TRUE(called_hoax(*check, hoax));
  auto notice = message("From: it@example.com\nSubject: Phishing campaign\n",
                        "Criminals may try to hack your account: do not open attachments from "
                        "unknown senders and report them to the service desk.\n");
  EXPECT_FALSE(called_hoax(*check, notice));
}

TEST(HoaxCheck, ClicksMiraclesAndGiveaways) {
  // Today's virus warning says "ne cliquez pas"; a prayer chain promises a miracle and must not
  // be interrupted; a company "is giving away" tickets to whoever shares.
  auto check = make_hoax_check();
  for (const auto& m :
       {message("From: a@example.fr\nSubject: ATTENTION virus Messenger\n",
                "Si vous recevez une vidéo avec votre photo, NE CLIQUEZ PAS ! C'est un virus. "
                "Prévenez tous vos contacts.\n"),
        message("From: a@example.fr\nSubject: Prière\n",
                "Faites-la parvenir à neuf personnes. Le quatrième jour, vous verrez un miracle. "
                "N'interrompez pas cette chaîne.\n"),
        message("From: a@example.com\nSubject: FREE FLIGHTS\n",
                "The airline is giving away 2 free tickets to everyone! Share this with 20 "
                "friends to receive your tickets.\n")})
    EXPECT_TRUE(called_hoax(*check, m)) << m;
}

TEST(HoaxCheck, AForwardThatSavesALife) {
  // The plea said with a noun: "un simple transfert peut sauver la vie d'un enfant".
  auto check = make_hoax_check();
  auto fr = message("From: a@example.fr\nSubject: TR: TR: URGENT sang O negatif pour Noah\n",
                    "----- Mail transféré -----\nURGENT URGENT. Le petit Noah a besoin de sang O "
                    "négatif, c'est vrai. Ne laissez pas dormir ce message, un simple transfert "
                    "peut sauver la vie d'un enfant.\n");
  EXPECT_TRUE(called_hoax(*check, fr));
}

TEST(HoaxCheck, APleaWithOrdinaryForwardTraitsIsNoHoax) {
  // A plea to everybody beside the traits every forward has (marks of forwarding, alarm
  // words) is a school fête or a recipe passed round, not a chain letter.
  auto check = make_hoax_check();
  for (const auto& m :
       {message("From: a@example.fr\nSubject: TR: TR: Kermesse de l'école samedi\n",
                "Important : la kermesse a lieu samedi. N'hésitez pas à faire suivre.\n"),
        message("From: a@example.org\nSubject: Fwd: Fwd: Grandma's apple pie recipe\n",
                "---------- Forwarded message ----------\nImportant: use cold butter. Share it "
                "with all your friends :)\n")})
    EXPECT_FALSE(called_hoax(*check, m)) << m;
}

TEST(HoaxCheck, OrdinaryForwardTraitsAloneAreCapped) {
  // A forwarded plea to friends with alarm words, a name of authority and a mark of
  // forwarding: the traits all forwarded mail has count 1.5 together, so no hoax.
  auto check = make_hoax_check();
  auto v = run_check(
      *check, message("From: a@example.org\nSubject: Fwd: Fwd: opening this Friday\n",
                      "---------- Forwarded message ----------\nImportant: the film opens "
                      "Friday, according to CNN. Please forward this to your other friends and "
                      "tell them to go see it this weekend.\n"));
  EXPECT_FALSE(has_reason(v, "hoax.chain-letter"));
}

TEST(HoaxCheck, AForwardedPaymentPerForwardAsksForForwards) {
  // The fund "donates 5 cents every time this letter is forwarded": the plea is the reward
  // itself, said in a forwarded letter; a shop's own offer is not forwarded along a chain.
  auto check = make_hoax_check();
  EXPECT_TRUE(called_hoax(
      *check,
      message("From: g@example.net\nSubject: [Fwd: please help little Amy]\n",
              "-------- Original Message --------\n> Amy has a rare brain cancer and only a "
              "few months to live. The Child Cancer Fund will donate 5 cents for every time "
              "this letter is forwarded. They use a special e-mail tracking program, so copy "
              "their address when you forward it. It only takes a minute; don't be the one "
              "with no heart.\n")));
  EXPECT_FALSE(called_hoax(
      *check, message("From: shop@example.com\nSubject: Our tracking program\n",
                      "Every parcel is followed by our tracking program; you will receive "
                      "a free pair of socks with your next order.\n")));
}

TEST(HoaxCheck, AWishGrantedToWhoeverForwardsIsALuckChain) {
  // The wish granted counts beside a plea to pass it on; a birthday card's "make a wish, your
  // wish will come true" forwarded to the family is no chain.
  auto check = make_hoax_check();
  EXPECT_FALSE(called_hoax(
      *check, message("From: a@example.org\nSubject: Fwd: Happy birthday Grandpa!\n",
                      "---------- Forwarded message ----------\nMake a wish... your wish will "
                      "come true! It's true what they say. Important: lunch at 12.\n")));
  EXPECT_TRUE(called_hoax(
      *check,
      message("From: m@example.fr\nSubject: Fw: LIS JUSQU'AU BOUT !!!!!!\n",
              "> FAIS UN VOEU AVAN DE LIRE LA SUITE !!!!!!\n> cette chaine a commencé en 2003.\n"
              "> envoi a 15 personne ds les 10 min = ton voeu se réalise demain.\n"
              "> envoi a 0 personne = t'es malheureu en amour pendan 10 ANS !!!!!\n")));
}

TEST(HoaxCheck, ThanksButThisOneIsAHoaxIsADebunking) {
  // "Thanks, but this one is a hoax", "no e-mail service can tell whether you've forwarded
  // a message": the author's own words, neither doubt nor a plea.
  auto check = make_hoax_check();
  EXPECT_FALSE(called_hoax(
      *check,
      message("From: greg@example.com\nSubject: Re: Fw: HOTMAIL IS CLOSING ACCOUNTS\n",
              "Thanks for thinking of me, but this one is a hoax. Hotmail doesn't count "
              "forwards, and no e-mail service can tell whether you've forwarded a message to "
              "anyone. Please don't send it on.\n\nPhyllis wrote:\n> Better safe than sorry!!\n"
              "> >Because of the huge number of new members our servers are full. You MUST "
              "forward\n> >this message to everyone in your address book.\n> >IF YOU DO NOT "
              "FORWARD THIS MESSAGE YOUR ACCOUNT WILL BE DELETED.\n> >This is not a joke.\n")));
}

TEST(HoaxCheck, AWaivedPleaAndACasualMaybeDoNotMakeAHoax) {
  // "Not a chain letter - you don't have to send it to 10 people": the plea waived. "Maybe
  // let Auntie know as well" in a debunking is no doubt about the hoax.
  auto check = make_hoax_check();
  EXPECT_FALSE(called_hoax(
      *check,
      message("From: pete@example.com\nSubject: FW: this made me laugh\n",
              "Thought you'd appreciate this (not a chain letter, promise - you don't have to "
              "send it to 10 people or anything!)\n\n-----Original Message-----\nMy "
              "brother-in-law does phone support for a printer company...\n")));
  EXPECT_FALSE(called_hoax(
      *check,
      message("From: tom@example.com\nSubject: Re: Fw: Fw: WARNING!! e-card virus - CNN\n",
              "Hi Mum,\n\nThanks, but this one is a hoax: a program can't burn a hard disk. "
              "Please don't send it on - and maybe let Auntie know as well.\n\nJoyce wrote:\n"
              "> Be VERY careful about opening any message called \"Valentine e-Card\". It is a "
              "virus that burns the whole disk of your computer. CNN reported it.\n"
              "> COPY THIS TO ALL YOUR CONTACTS!!!\n")));
}

TEST(HoaxCheck, NoticesThatShareAChainLettersWordsAreNoHoaxes) {
  // From review: a funeral notice forwarded to all who knew him, an IT desk's migration notice
  // to all users, a debunking that concedes the sender meant well.
  auto check = make_hoax_check();
  for (const auto& m :
       {message("From: a@example.org\nSubject: Fwd: Dad's funeral\n",
                "---------- Forwarded message ----------\nDad's funeral will be on Tuesday at "
                "11. It was his last wish that we wear bright colours. Please pass this on to "
                "everyone who knew him. Important: parking is limited.\n"),
        message("From: it@example.fr\nSubject: URGENT : migration des boîtes\n",
                "Attention. Important : merci de transmettre ce message à tous les "
                "utilisateurs de votre service. Les boîtes non migrées avant le 30 seront "
                "définitivement supprimées.\n"),
        message("From: t@example.com\nSubject: Re: Fw: Hotmail closing\n",
                "I know you wouldn't send it if you didn't think it mattered, but it's a hoax. "
                "Please don't forward it.\n\nMum wrote:\n> Forward this to everyone you know or "
                "your account will be closed! This is not a joke!\n")})
    EXPECT_FALSE(called_hoax(*check, m)) << m;
}

TEST(HoaxCheck, AWaiverInsideTheChainLetterIsNoWaiver) {
  // "No need to send it back to me - forward it to everyone you know": the letter's own words.
  auto check = make_hoax_check();
  EXPECT_TRUE(called_hoax(
      *check,
      message("From: a@example.net\nSubject: Fw: FW: free money from Microsoft\n",
              "Microsoft and AOL will pay you $245 for every person you forward this to. "
              "They are beta testing an e-mail tracking program. This is not a joke! No need to "
              "send it back to me - forward it to everyone you know!\n")));
}

TEST(HoaxCheck, ADebunkingCitesTheHoaxsPleaInQuotationMarks) {
  // 'The tell-tale signs: "there is no cure", "send this to everyone you know"': the debunking
  // cites the plea; its own words ask nothing. Unquoted, the same plea is the author's.
  auto check = make_hoax_check();
  const std::string quoted =
      "Thanks, but this one is a hoax. The tell-tale signs are all there: \"there is no "
      "cure\" and above all \"send this to everyone you know\". Real alerts never ask "
      "that.\n\nJune wrote:\n> WARNING!!! If you receive a screensaver called \"TUXEDO DANCE\" "
      "DO NOT OPEN IT!!! It will erase your hard drive. Microsoft announced it. THERE IS NO "
      "CURE.\n> SEND THIS TO EVERYONE YOU KNOW!!!!!\n";
  EXPECT_FALSE(called_hoax(
      *check, message("From: p@example.com\nSubject: Re: Fw: WARNING - virus!!!\n", quoted)));
  std::string unquoted = quoted;
  for (auto& c : unquoted)
    if (c == '"') c = ' ';
  EXPECT_TRUE(called_hoax(
      *check, message("From: p@example.com\nSubject: Re: Fw: WARNING - virus!!!\n", unquoted)));
}

TEST(HoaxCheck, APaymentPerTransferInFrench) {
  auto check = make_hoax_check();
  EXPECT_TRUE(called_hoax(
      *check, message("From: v@example.fr\nSubject: TR: Pour Chloé, s'il vous plaît transférez\n",
                      "-----Message d'origine-----\nChloé a 4 ans, gravement brûlée. "
                      "L'opérateur s'est engagé à verser 0,10 € pour chaque transfert de ce "
                      "message. Un logiciel compte le nombre de fois où le mail est envoyé. "
                      "Ne cassez pas la chaîne !\n")));
}

TEST(HoaxCheck, ConfirmationsAndCountsInOrdinaryMail) {
  // From a second review: a debunking citing a confirmation, a council's closure "confirmed",
  // a sponsorship per pound, a step counter; and a forwarder's quoted vouch still vetoes.
  auto check = make_hoax_check();
  for (const auto& m :
       {message("From: t@example.com\nSubject: Re: Fw: Hotmail closing\n",
                "Hi Mum, it's a hoax. It has been confirmed by Microsoft that they are not "
                "closing any accounts.\n\nMum wrote:\n> Forward this to everyone you know or "
                "your account will be closed! This is not a joke!\n"),
        message("From: c@example.org\nSubject: Fwd: A38 bypass\n",
                "---------- Forwarded message ----------\nImportant: it has been confirmed that "
                "the A38 bypass will be shut for six weeks. Please share with everyone who uses "
                "the route.\n"),
        message("From: s@example.co.uk\nSubject: Fwd: Sponsor me\n",
                "---------- Forwarded message ----------\nI'm running for Leukaemia UK. My "
                "company will donate 50 pence for every pound I raise. It only takes a minute "
                "to sponsor me!\n"),
        message("From: h@example.org\nSubject: Fwd: step challenge\n",
                "---------- Forwarded message ----------\nImportant: the app counts the number "
                "of steps you take each day. Share this with all your colleagues and friends!\n")})
    EXPECT_FALSE(called_hoax(*check, m)) << m;
  EXPECT_TRUE(called_hoax(
      *check,
      message("From: a@example.com\nSubject: Fw: Fw: VIRUS WARNING\n",
              "Snopes says it's a hoax, but my cousin who works in IT says \"it's real, I've "
              "seen it\". Better safe than sorry!\n\n> If you receive an email titled \"Free "
              "Hugs\" do not open it, it will erase your hard drive. IBM confirmed it. Forward "
              "this to everyone in your address book!\n")));
}

TEST(HoaxCheck, ARoadThatWillBeClosedAndAnOutlookReplyAreNoHoaxes) {
  // A threat to close is an account's ("your account will be closed"), not a road's; and
  // Outlook's "Original Message" marks every reply, not only forwards.
  auto check = make_hoax_check();
  for (const auto& m :
       {message("From: c@example.org\nSubject: Fwd: Mill Lane\n",
                "---------- Forwarded message ----------\nIMPORTANT: Mill Lane will be closed "
                "from Monday for six weeks. Please share this with everyone in the village.\n"),
        message("From: k@example.org\nSubject: RE: flu clinic\n",
                "Yes, it's true, the surgery confirmed it this morning. Please tell everyone "
                "you know: the flu clinic is on Saturday from 9.\n\n-----Original "
                "Message-----\nFrom: Ann\nSent: Monday\nIs the flu clinic really on "
                "Saturday?\n")})
    EXPECT_FALSE(called_hoax(*check, m)) << m;
  EXPECT_TRUE(called_hoax(
      *check, message("From: a@example.net\nSubject: FW: Hotmail\n",
                      "-----Original Message-----\nHotmail is overloaded. Forward this to "
                      "everyone you know, or your account will be closed. Accounts that are "
                      "not forwarded will be deleted.\n")));
}

TEST(HoaxCheck, AChainLetterShouts) {
  // Two runs of "!!!" beside the plea: the scare that has nothing else strong
  // (its hearsay, its alarm and its mark of forwarding are what ordinary forwards have too).
  auto check = make_hoax_check();
  const std::string text =
      "Scary stuff\n\n> PLEASE READ\n> A nurse was killed answering her phone while it was "
      "charging. My brother-in-law says the radiation is the same as a microwave\n> Send this "
      "to everyone you love.\n";
  EXPECT_FALSE(called_hoax(*check, message("From: m@example.org\nSubject: FW: phones\n", text)));
  std::string shouted = text;
  for (auto [from, to] : {std::pair{"stuff", "stuff!!!"}, {"microwave", "microwave!!!!"}}) {
    auto at = shouted.find(from);
    shouted.replace(at, std::string_view(from).size(), to);
  }
  EXPECT_TRUE(called_hoax(*check, message("From: m@example.org\nSubject: FW: phones\n", shouted)));
  // "!!" is anybody's excitement, and one "!!!" too (a club's flyer, a lost dog's notice).
  EXPECT_FALSE(called_hoax(
      *check, message("From: m@example.org\nSubject: FW: phones!!\n",
                      "> Send this to everyone you love!! My brother-in-law says so!! Really!!! "
                      "See you!!\n")));
}

TEST(HoaxCheck, AChainPetitionAndAMockedLuckChain) {
  // The petition passed on until the list is long enough; the luck chain that tells what
  // befell whoever mocked it. A club's sign-up sheet asks to add a name and nothing else.
  auto check = make_hoax_check();
  EXPECT_TRUE(called_hoax(
      *check,
      message("From: h@example.net\nSubject: Fw: Petition\n",
              "> PETITION against the bus pass fee.\n> Copy it into a new e-mail, add your name "
              "and town at the bottom and send it to everyone you know. When the list reaches "
              "250 names, forward it to the ministry.\n> 1. Margaret, Cheltenham\n")));
  EXPECT_TRUE(called_hoax(
      *check, message("From: a@example.ci\nSubject: Message de Dieu\n",
                      "Un pasteur l'a envoyé à 20 personnes et a reçu une grande bénédiction. Un "
                      "homme s'en est moqué et l'a supprimé. Ne brisez pas la chaîne : envoie ce "
                      "message à 12 personnes.\n")));
  EXPECT_FALSE(called_hoax(
      *check, message("From: c@example.org\nSubject: Fwd: quiz night\n",
                      "---------- Forwarded message ----------\nQuiz night on Friday! Add your "
                      "name to the sheet by the bar. Please share with everyone you know.\n")));
}

TEST(HoaxCheck, NotTrueInTheAuthorsOwnWordsIsADebunking) {
  auto check = make_hoax_check();
  EXPECT_FALSE(called_hoax(
      *check, message("From: k@example.in\nSubject: Re: Fw: FW: URGENT microwave water!!!\n",
                      "Uncle, with all respect, this one is not true. Heating water does not "
                      "make it radioactive.\n\nRavi wrote:\n> A girl watered a plant with "
                      "microwaved water and it died!!! It causes cancer and changes the "
                      "molecular structure!!!\n> Forward this to everyone you care about!!!\n")));
}

TEST(HoaxCheck, TextMessageSpellingAndAFriendshipChain) {
  auto check = make_hoax_check();
  // "plz tell evry1 on ur list": the virus warning of MSN days, in SMS spelling.
  EXPECT_TRUE(called_hoax(
      *check, message("From: k@example.net\nSubject: fw: DONT ACCEPT read this\n",
                      "if sum1 called tony adds u on msn dont accept him. its a virus n it "
                      "formats ur whole pc. plz tell evry1 on ur list asap.\n")));
  // The friendship chain sent on to seven and back to whoever sent it.
  EXPECT_TRUE(called_hoax(
      *check, message("From: m@example.net\nSubject: Fw: friends are like stars\n",
                      "Friends are like stars. If you care about the people in your life, "
                      "you'll send this to 7 of them... and back to the one who sent it to "
                      "you! Let's see how many come back.\n")));
}

TEST(HoaxCheck, PaymentPerForwardIsThePleaOfAForwardedLetter) {
  // A Netscape forward ("[Fwd: ...]") of the sick child's letter: the payment per forward is
  // its plea, the guilt its pressure; a company's own sponsorship is not forwarded.
  auto check = make_hoax_check();
  EXPECT_TRUE(called_hoax(
      *check,
      message("From: b@example.net\nSubject: [Fwd: Fwd: Please help little Rachel]\n",
              "> Rachel has a rare bone cancer. The American Cancer Society and AOL will give 3 "
              "cents for every time this letter is forwarded. It costs you nothing. Please, if "
              "you have a heart, don't let it stop with you.\n")));
  EXPECT_FALSE(called_hoax(
      *check, message("From: c@example.org\nSubject: Charity week\n",
                      "For every time this message is shared on our page, we give 3 cents to "
                      "the children's hospital. It costs you nothing.\n")));
}

TEST(HoaxCheck, AParagraphEndsThePleasSentenceAndDoubtIsNoAdvice) {
  auto check = make_hoax_check();
  // "…contre vous" then a blank line: "Informez" starts a sentence, it is no "vous informez".
  EXPECT_TRUE(called_hoax(
      *check, message("From: g@example.fr\nSubject: Fwd: Nouvelles règles dès demain\n",
                      "-------- Message transféré --------\nC'est vrai, tous les appels sont "
                      "enregistrés. Le gouvernement peut prendre des mesures contre vous\n\n"
                      "Informez tous vos contacts\n")));
  // A debunking's "dans le doute, appelle-moi" is advice, not doubt about the message.
  EXPECT_FALSE(called_hoax(
      *check, message("From: o@example.fr\nSubject: Re: TR: ATTENTION virus !!!\n",
                      "Bonjour Tata, ce message est un canular. Dans le doute, appelle-moi !\n\n"
                      "Le 03/06/2008, Monique a écrit :\n> ATTENTION !!! Si vous recevez un "
                      "mail « carte postale », ne l'ouvrez pas, il détruit le disque dur. "
                      "Microsoft l'a confirmé !!!\n> Transférez à tous vos contacts !!!\n")));
}

TEST(HoaxCheck, ThirdReviewNoticesAreNoHoaxesAndItsChainsAreStill) {
  // From the third review: a course's deadline and "good luck", a shop's contest, a library
  // petition, a picnic sign-up, an IT desk's notice, a club's flyer; and chain letters the
  // first version of these changes lost.
  auto check = make_hoax_check();
  for (const auto& m :
       {message("From: l@example.edu\nSubject: Fwd: project report\n",
                "---------- Forwarded message ----------\nHi everyone, please send the final "
                "project report to the office before midnight on Friday. Important! Good "
                "luck!\n"),
        message("From: shop@example.com\nSubject: Win a bike!\n",
                "Enter before midnight! Share with all your friends! Good luck! Order within 2 "
                "hours for free delivery.\n"),
        message("From: a@example.org\nSubject: Save our library\n",
                "If you care about libraries, add your name to our petition. Add your name "
                "today and share it with everyone you know.\n"),
        message("From: p@example.org\nSubject: Fwd: class picnic\n",
                "---------- Forwarded message ----------\nPlease add your name at the bottom "
                "of the list, then forward it to all the parents in the class. Important.\n"),
        message("From: it@example.com\nSubject: FW: mailbox clean-up\n",
                "Please inform everyone in your team. Inactive accounts will be deleted on "
                "Monday. Important.\n"),
        message("From: c@example.org\nSubject: Fwd: Open day!!\n",
                "---------- Forwarded message ----------\nOpen day on Saturday!! Share with "
                "all your friends!! See you on court!!\n")})
    EXPECT_FALSE(called_hoax(*check, m)) << m;
  for (const auto& m :
       {message("From: m@example.fr\nSubject: TR: aiguilles au cinéma\n",
                "Ce n'est pas vrai ! Quelle horreur...\n\n-----Message d'origine-----\nDes "
                "aiguilles infectées par le VIH ont été trouvées dans les sièges des cinémas. "
                "La police l'a confirmé. C'est vrai ! Transférez à tous vos contacts.\n"),
        message("From: f@example.com\nSubject: Fw: Facebook\n",
                "Your Facebook profile will be closed unless you forward this message to "
                "everyone you know. Facebook is overloaded.\n"),
        message("From: w@example.fr\nSubject: TR: WhatsApp\n",
                "Votre compte WhatsApp sera supprimé si vous ne transférez pas ce message à "
                "tous vos contacts.\n"),
        message("From: g@example.net\nSubject: FW: Amy is missing\n",
                "-----Original Message-----\nAmy, 13, went missing. Please forward this to "
                "everyone in your address book. Important.\n")})
    EXPECT_TRUE(called_hoax(*check, m)) << m;
}

TEST(HoaxCheck, RepliesInOtherLanguagesAndBehindTags) {
  // "Original Message" marks a forward unless the subject says a reply, in the languages and
  // behind the tags clients and gateways write; "[club] TR :" is a forward.
  auto check = make_hoax_check();
  const std::string reply_body =
      "Yes, it's true, the surgery confirmed it this morning. Please tell everyone you know: "
      "the flu clinic is on Saturday from 9.\n\n-----Original Message-----\nFrom: Ann\nIs the "
      "flu clinic really on Saturday?\n";
  for (const char* subject :
       {"[EXTERNAL] RE: flu clinic", "SV: flu clinic", "R: flu clinic", "Antw: flu clinic"})
    EXPECT_FALSE(called_hoax(
        *check,
        message(std::string("From: k@example.org\nSubject: ") + subject + "\n", reply_body)))
        << subject;
  EXPECT_TRUE(called_hoax(
      *check, message("From: a@example.net\nSubject: [club-photo] TR : Hotmail\n",
                      "Hotmail is overloaded. Forward this to everyone you know, or your "
                      "account will be closed.\n")));
}

TEST(HoaxCheck, AKnownHoaxsStoryForwarded) {
  auto check = make_hoax_check();
  // A classic told again and forwarded with a plea.
  EXPECT_TRUE(called_hoax(
      *check, message("From: s@example.com\nSubject: Fwd: Useful information - ATM safety\n",
                      "Dear All,\n\nIf a robber ever forces you to withdraw money, enter "
                      "your PIN in reverse at the ATM: the police will be sent at once.\n\n"
                      "Please pass this along to everyone possible.\n")));
  EXPECT_TRUE(called_hoax(
      *check, message("From: m@example.com\nSubject: Fwd: Mars spectacular!!\n",
                      "> On 27th August Mars will look as large as the full moon to the naked "
                      "eye.\n> Share this with everyone you know!\n")));
  // With no plea, or sent by those who warn of the real danger (a police force's
  // correction of the PIN story with its own plea), it is not one.
  EXPECT_FALSE(called_hoax(
      *check, message("From: m@example.com\nSubject: Fwd: Mars spectacular!!\n",
                      "> Don't miss this!!!\n> On 27th August Mars will look as large as the "
                      "full moon to the naked eye. NO ONE ALIVE TODAY WILL EVER SEE THIS "
                      "AGAIN!!!\n")));
  EXPECT_FALSE(called_hoax(
      *check, message("From: safety@police.example\nSubject: ATM safety\n",
                      "Typing your PIN backwards at a cash machine does not alert the police. "
                      "If someone threatens you at an ATM, hand over the cash and call us.\n\n"
                      "Please share this with your family and friends.\n")));
  // A correction in the words of those who checked, forwarded with a plea, is none either.
  EXPECT_FALSE(called_hoax(
      *check, message("From: p@example.net\nSubject: Fwd: Do deodorants cause cancer?\n",
                      "Please pass it on to everyone you know!!!\n\n> Do antiperspirants "
                      "cause breast cancer by keeping toxins in the lymph nodes? There is no "
                      "good evidence that they do: studies found no link between them and "
                      "cancer.\n")));
  // The same story debunked, and the real sky event, are no hoaxes.
  EXPECT_FALSE(called_hoax(
      *check, message("From: c@example.org\nSubject: Fwd: Mars spectacular\n",
                      "This one is a hoax: Mars will never look as large as the full moon to "
                      "the naked eye. Please don't forward it to everyone.\n")));
  EXPECT_FALSE(called_hoax(
      *check, message("From: club@example.org\nSubject: Fwd: Mars at opposition\n",
                      "> Mars is closest to Earth on the 16th and bright to the naked eye.\n"
                      "> Share this with everyone you know!\n")));
}

TEST(HoaxCheck, DoNotShareCopyAndPaste) {
  // The copyright notice to post as one's status: "DO NOT SHARE. You MUST copy and paste."
  auto check = make_hoax_check();
  EXPECT_TRUE(called_hoax(
      *check, message("From: w@example.com\nSubject: Facebook privacy - please do this\n",
                      "In response to the new Facebook guidelines, I hereby declare that my "
                      "copyright is attached to all of my personal details (Berne "
                      "Convention).\n\nDO NOT SHARE. You MUST copy and paste.\n")));
  EXPECT_FALSE(called_hoax(
      *check, message("From: it@example.org\nSubject: Your new password\n",
                      "Do not share your password with anyone. Copy and paste the link below "
                      "into your browser.\n")));
  EXPECT_FALSE(called_hoax(
      *check, message("From: it@example.org\nSubject: Fwd: VPN key\n",
                      "> Your VPN key is below. DO NOT SHARE. Copy and paste it into the VPN "
                      "client. It's true, this is the new procedure!!! Thanks!!!\n")));
  EXPECT_FALSE(called_hoax(
      *check, message("From: it@example.org\nSubject: Virus warning\n",
                      "A virus is being sent in fake invoices: do not click the link. To sign "
                      "in, do not share your password. Copy and paste the address instead.\n")));
}

TEST(HoaxCheck, QuotationsLeftOpenAreReadInLinearTime) {
  // A debunking's own words full of quotation marks that never close: each is looked for
  // only as far as the longest quotation (a whole-text search per mark was quadratic).
  auto check = make_hoax_check();
  std::string own = "Sorry, it's a hoax. ";
  for (int i = 0; i < 20'000; ++i)
    own += "\xe2\x80\x9c ";
  auto v = run_check(*check, message("From: a@example.org\nSubject: Re: Fw: virus\n",
                                     own + "\n\nJo wrote:\n> Forward this to everyone you "
                                           "know! If you receive it, do not open it, it will "
                                           "erase your hard drive. CNN confirmed it.\n"));
  EXPECT_FALSE(has_reason(v, "hoax.chain-letter"));
}

TEST(SessionCheck, DmarcFailPointsToPhishing) {
  auto check = make_session_check();
  Context ctx;
  AuthSignals a;
  a.dmarc = AuthOutcome::fail;
  a.dmarc_policy = "reject";
  a.spf = AuthOutcome::fail;
  ctx.auth = a;
  ctx.dnsbl.push_back({"bl.example", "192.0.2.9", 2.0});
  auto v = run_check(*check, message("From: a@bank.example\n", "x\n"), ctx);
  EXPECT_TRUE(has_reason(v, "auth.dmarc-fail"));
  EXPECT_TRUE(has_reason(v, "auth.spf-fail"));
  EXPECT_TRUE(has_reason(v, "dnsbl"));
  EXPECT_GE(test::points(v, Label::phishing), 3.5);
  // Without session signals it says nothing.
  EXPECT_TRUE(run_check(*check, message("From: a@bank.example\n", "x\n")).reasons.empty());
}

// RFC 6376 §8.2: a DMARC pass resting on an l= signature under which text was appended does
// not vouch for that text.
TEST(SessionCheck, DmarcPassCountsOnlyForTheWholeBody) {
  auto check = make_session_check();
  Context ctx;
  AuthSignals a;
  a.dmarc = AuthOutcome::pass;
  a.dmarc_domain = "bank.example";
  ctx.auth = a;
  EXPECT_TRUE(has_reason(run_check(*check, message("From: a@bank.example\n", "x\n"), ctx),
                         "auth.dmarc-pass"));
  ctx.auth->unsigned_content = true;
  EXPECT_FALSE(has_reason(run_check(*check, message("From: a@bank.example\n", "x\n"), ctx),
                          "auth.dmarc-pass"));
}

TEST(SessionCheck, RecentlyRefusedClientIsAHintNotAVerdict) {
  auto check = make_session_check();
  Context ctx;
  ctx.rate = RateSignals{};
  auto quiet = run_check(*check, message("From: a@b.example\n", "x\n"), ctx);
  EXPECT_FALSE(has_reason(quiet, "rate.over-limit"));
  ctx.rate->over_limit = true;
  auto v = run_check(*check, message("From: a@b.example\n", "x\n"), ctx);
  ASSERT_TRUE(has_reason(v, "rate.over-limit"));
  // Alone it stays well under the default junk threshold (5.0).
  EXPECT_LE(test::points(v, Label::spam), 1.0);
}

}  // namespace
}  // namespace facteur::filter
