#include "filter/chain_plea.hpp"

#include <gtest/gtest.h>

#include "filter/text_norm.hpp"

namespace facteur::filter {
namespace {

ChainPleas pleas(std::string_view text) {
  return find_chain_pleas(normalize_text(text));
}

TEST(ChainPlea, ToEverybodyInEnglish) {
  for (auto text :
       {"Tell everyone you know.", "Just send this to seven people you love.",
        "If you are not ashamed, pass this on... 7 people in 7 minutes!",
        "Please send this to as many of the people you care about as possible.",
        "Share this with all the women in your life.",
        "Please share this with anyone you know who travels.",
        "Forward it to at least 12 friends before midnight.",
        "Please share this with your family, friends and co-workers.",
        "Make sure to forward this to everyone you know.", "Send this to every woman you know.",
        "Spread the word to all your friends!", "Forward this email to a minimum of twenty people.",
        "Please tell the women you care about.", "Share this with the people you love.",
        // Friends by another name; a counted crowd described by up to two words.
        "pass to all your buddys plz!!!!!", "Send it to all your pals.",
        "You MUST forward this message to at least 15 other Hotmail users.",
        "Forward this to 10 real friends.", "COPY THIS TO ALL YOUR CONTACTS!!!",
        "Forward this to 12 of your closest friends within 10 minutes.",
        "Please forward this notice to all of your contacts.",
        "Seuls ceux qui auront transféré ce message à 20 de leurs contacts le garderont.",
        // Everybody as a measure; everybody addressed; SMS spelling.
        "Please send this on to as many as you can.", "Share this as widely as possible!",
        "Spread it far and wide.", "EVERYONE PLEASE FORWARD it could be your child xx",
        "Hi everyone, please share!", "fwd 2 all ur frnds", "pls send 2 all the people u know",
        // The near and dear.
        "Do the needful and circulate to all your near and dear ones.",
        // Two circles of one's life; a number of the people just named; caring's condition.
        "Please share this with your family, your co-workers, and anyone who goes to the movies.",
        "Transmettez à votre famille et à vos collègues.",
        "If you care about the people in your life, you'll send this to 7 of them."}) {
    EXPECT_EQ(pleas(text).mass, 1) << text;
  }
}

TEST(ChainPlea, ToEverybodyInFrench) {
  for (auto text :
       {"PRÉVENEZ TOUS VOS CONTACTS !!!", "Envoyez cette prière à neuf personnes.",
        "Partagez autour de vous, les gens doivent savoir.",
        "Renvoyez ce mail à au moins 18 de vos contacts.",
        "Faites suivre à tout votre carnet d’adresses.",
        "Mettez en copie toutes les personnes que vous aimez.",
        "Transmets ce message à 10 de tes contacts.", "Prévenez vos proches.",
        "Diffusez ce message au plus grand nombre.", "Envoie-le à tous !",
        "Ne le gardez pas pour vous. Envoyez-le à tous vos contacts.", "Diffusez largement.",
        "Partagez autour de vous.", "Transmettez à un maximum de personnes.",
        "Faites-la parvenir à neuf personnes.",
        // "merci d'" asks (the "d" is not English "I'd"); two adverbs; those you love.
        "Merci d'envoyer cette information à toutes les femmes que vous connaissez.",
        "A diffuser largement autour de vous mesdames...",
        "Transmettez à tous ceux que vous aimez, surtout aux jeunes.",
        "Envoie ce texte à 7 personnes que tu aimes.", "Partagez avec les gens que vous aimez.",
        // SMS spelling, the singular after a number, other words for friends.
        "envoi a 15 personne ds les 10 min", "envoi sa a tt tes contacts",
        "alor envoi sa a tt tes contacts en 15 min max", "Envoie-le à 10 vraies amies.",
        "Il te suffit de le transférer à 10 personnes.", "Transmets à tous tes potes !"}) {
    EXPECT_EQ(pleas(text).mass, 1) << text;
  }
}

TEST(ChainPlea, PassItOnToNobodyInParticular) {
  for (auto text :
       {"Please everyone, look at this. Send it on!!!", "Faites tourner.",
        "Fais passer, ça peut sauver une vie.", "Please read this and pass it on.",
        "Relayez ce message !", "Merci de faire suivre.", "Pass this around!",
        "N'oubliez pas de transférer à tous vos contacts !", "Pass it on please!",
        "Faites tourner svp !", "Partagez un max !",
        // A conjunction ends the plea as a full stop would.
        "send this on or your account gets deleted!!!!", "Pass it on and make someone's day.",
        // (Spreading the word, not the message: at most this.)
        "Parlez-en autour de vous !",
        // A bare "send on" with a chain's deadline; passed round.
        "PLEASE SEND ON WITHIN 13 MINUTES", "Pass it round!",
        // The plea as the means: "by passing this on", "en faisant suivre".
        "HELP OTHERS BY PASSING THIS ON.",
        "Sauvez une vie en faisant suivre ce message à tous vos contacts.",
        "Save a child by forwarding this to everyone you know.",
        // Told to do something that is a warning, or to pass it on.
        "Tell all your contacts not to accept his friend request.",
        "Tell everyone you know to forward this.", "Tell everyone to stop using this app!",
        // The luck chain's copies to many.
        "Envoyez 20 copies et vous verrez ce qui se passe.", "Send 10 copies within 96 hours.",
        "Send 20 copies of this letter to people who need luck.",
        "Faites 20 copies de cette lettre.",
        "Envoyez des copies à 20 personnes qui en ont besoin."}) {
    auto p = pleas(text);
    EXPECT_EQ(p.open + p.mass, 1) << text;
  }
}

TEST(ChainPlea, OrdinaryForwardsAndSharingAreNoPlea) {
  // A named audience, or something other than the message passed on.
  for (auto text :
       {"Kev, could you pass this on to Grandma when you see her?",
        "Faites-nous parvenir vos photos avant lundi.", "Dites à vos amis de venir samedi.",
        "Please forward this to all those who attended the meeting.",
        "Surtout ne lui dis rien ! Et fais passer aux autres de la bande.",
        "Merci de diffuser cette information à vos équipes.",
        "Tu peux faire suivre à ta sœur ? Je n'ai pas son adresse.",
        "Share your creation with friends by exporting it.",
        "I send half a dozen pics to a dozen people a day.",
        "I could send a mass e-mail to my contacts and hope.",
        "Please share with anyone nearby and look in your garage.",
        "Please circulate to your team.", "Don't tell her yet!",
        // From review: other objects, days and networks, reported or refused
        // forwards, participles, a named audience before "everyone".
        "Share it on Facebook.", "Send it on Monday.", "Please pass on my thanks to the team.",
        "Partagez vos photos !", "Envoyez votre CV.",
        "Transférez vos contacts vers le nouveau carnet.", "Envoyez le nombre de participants.",
        "Can you forward this to Paul? Thanks everyone!", "Envoie-le à Marie, merci à tous.",
        "Je vous fais suivre le message de Paul.", "Don't tell everyone.",
        "We look forward to seeing everyone.", "Le document partagé a été mis à jour pour tous.",
        "Transmettez à tous les adhérents la date de l'assemblée.",
        "Pour faire passer le temps, on a joué aux cartes.", "Je te fais suivre aussi le devis.",
        // From a second review: pronouns, adverbs and quantifiers that are no audience,
        // infinitives and participles, polite questions.
        "Je vous les envoie.", "Pouvez-vous me l'envoyer ?", "Send it to anyone. You know why.",
        "Send max 5 files.", "Envoyez max 3 photos par personne.", "Envoie-le autour de midi.",
        "Please send all the parents a reminder about Friday.",
        "Forward all the kids' permission slips to the office.",
        "Transférez tous vos contacts vers votre nouvelle boîte.",
        "Envoie tout le monde au lit à 21h !", "Faites passer tout le monde par l'entrée B.",
        "We're moving forward with everyone's feedback.", "Photos à partager", "Agenda partagé",
        "Voici le planning à transmettre.", "Merci du partage !",
        "Can you forward this to everyone on your team?", "Could you pass it on?",
        "I just wanted to tell everyone that the build is green.",
        "We would like to share this news with all our friends.",
        // A plea reported, in a mail about hoaxes.
        "Une « alerte virus » vous demandant de prévenir tous vos contacts est un canular.",
        "Le signe : la demande de diffuser le message au plus grand nombre.",
        // Nobody in particular, or only some.
        "Let us know if you can come.", "Let me know by Friday.", "Merci d'envoyer vos photos.",
        "Let everyone know if you can't come.", "La presse en parle largement.",
        "Tout le monde en parle autour de vous.", "Vous en parlez autour de vous ?",
        "Parlez-en à votre médecin.", "Envoyez-lui cette lettre !",
        "Please send copies to all parents of your class.", "Tout le monde en parle.",
        "Transmettez à tous ceux qui étaient à la réunion.",
        "Faites suivre à tous ceux que ça intéresse.",
        // Leave to pass it on, as "feel free to forward", asks nothing.
        "Vous pouvez faire suivre ce message à vos proches.",
        "You may forward this to everyone you know.",
        "N'hésitez pas à faire suivre à tous vos contacts.", "Feel free to share it with all.",
        // People named by what they did or where they are.
        "Send the people you met a thank-you note.", "Tell the women at the front desk.",
        // A number without a crowd; "envoi" as a noun; a particle that needs its audience.
        "Please send it to 3 different addresses.",
        "Tout envoi à plus de 50 personnes passe par la liste.",
        "Un envoi à 15 personnes par jour suffit.", "Send this on to Grandma and Grandpa.",
        // From review: a team's members, a group known by its number, a year, a date.
        "Please share this with all members of your team.",
        "Transmettez à tous les membres de l'équipe.", "Share it with your mates!",
        "Copy it to all users' home folders.", "Please forward this to the 30 Year 6 parents.",
        "Please send this to the 40 contract users in your department.",
        "Please send the 2027 fixtures to all members of the club.",
        "Please fill in the form and send it on or before 30 November.",
        // From a second review: an order not to, a copy, a team counted, a mailing's report,
        // and "pass on" with nothing passed on (a lost dog's "please read and pass on!").
        "Never pass on virus warnings without checking first.",
        "We will send a copy to all families.",
        "Team leads, please forward this notice to your 12 team members.", "Envoi à 250 personnes.",
        "Please read and pass on!",
        // Everybody addressed but asked for something else, or to send to someone named;
        // a measure of something else; "2" as a number.
        "Everyone please forward your receipts by Friday.",
        "Everyone, please forward this to Paul.", "Send as many photos as you can.",
        "Share as much as you like with the team.", "Send 2 copies to accounts.",
        // A deadline for something else; "in" a place that is no audience; informing someone.
        "Please send on the minutes within 2 days.", "Share it in the team folder.",
        "Please inform your manager.", "Please read and pass on within the office.",
        // One circle of one's life; "you'll" that reports, "I'll" after "if".
        "Please share this with your family.", "You'll send this to 7 of them tomorrow.",
        "If it rains, I'll send this to all the parents.",
        // From review: informing is what notices ask; a community forum; the greeting before
        // a request for something else; a measure of photos; "envoi" the noun after "et".
        "Please inform all parents in your class as soon as possible.",
        "Please inform your friends and family who have young children.",
        "Found a bug? Share it in the community forum.",
        "Please copy and circulate this in your community.",
        "Hi everyone, please send the photos from the offsite to Julie.",
        "Thanks, everyone. Please share the slides!", "Share as much as you can about the day.",
        "We need photos for the yearbook, send as many as you can!",
        "Préparation des enveloppes, et envoi à tous les parents le 5 mai.",
        "Merci de faire suivre sa lettre à tous les parents.",
        "Initial it and pass it on within 2 days.",
        // A gerund that reports, or a means that passes something else on.
        "Thanks for forwarding this to everyone!", "Passing this on to everyone was a mistake.",
        "You can help by sharing this.", "Help us by sending your photos to everyone.",
        "En partageant vos photos, vous aidez le club.",
        "Help us save lives by sharing this with your family and friends.",
        "Aidez-nous en relayant cette information autour de vous.",
        // The audience invited to do something.
        "So please tell your friends to come out to the park instead!",
        "Tell everyone you know to sign up before Friday.",
        "Prévenez tous vos amis de venir samedi.",
        // Copies an office asks for.
        "Please send 3 copies to accounts.", "Send 10 copies of the report to the board.",
        "Faites 12 copies du planning.", "Please send 30 copies to the print room.",
        "Faites 30 copies, s'il vous plaît, pour la réunion.",
        // From review: invited with "to" before the audience.
        "Please tell this to all your friends to come to the fair."}) {
    auto p = pleas(text);
    EXPECT_EQ(p.mass + p.open, 0) << text;
  }
}

TEST(ChainPlea, BoundedOnHostileInput) {
  // Verbs and audience words repeated: linear, one plea counted per verb's window.
  std::string text;
  for (int i = 0; i < 20'000; ++i)
    text += "send this to everyone ";
  auto p = pleas(text);
  EXPECT_GT(p.mass, 0);
  EXPECT_LE(p.mass, 20'000);
}

}  // namespace
}  // namespace facteur::filter
