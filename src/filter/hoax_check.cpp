// Hoaxes and chain letters: messages whose point is to be forwarded to everyone (fake virus
// warnings, luck chains, "Microsoft pays you for every forward", missing-child and sick-child
// appeals, fake scientific marvels). The one thing they all share is the plea to pass the
// message on to everybody; around it they add alarm, claims of truth or authority, rewards or
// threats. English and French wording. Never a reason to refuse a message: the verdict files
// it with a warning.
#include <array>

#include <fmt/format.h>

#include "base/strings.hpp"
#include "filter/checks.hpp"
#include "filter/phrases.hpp"

namespace facteur::filter {
namespace {

enum Group : int {
  kForwardAll,
  kVirus,
  kDestruction,
  kAuthority,
  kTruth,
  kChain,
  kReward,
  kAppeal,
  kForwardMarks,
  kAlarm,
  kMarvel,
  kGroups
};

const PhraseMatcher& hoax_phrases() {
  static const PhraseMatcher m = [] {
    PhraseMatcher p;
    p.add_all(
        {"pass it on to everyone", "pass this on to everyone", "pass it on to all",
         "pass this on to all", "forward this to everyone", "forward this to all",
         "forward it to everyone", "forward it to all", "forward to everyone", "forward to all",
         "forward this to every", "send this to everyone", "send it to everyone",
         "send this to all", "send it to all", "send this to everybody", "send it to everybody",
         "forward this to everybody", "share with everyone", "share this with everyone",
         "share it with everyone", "share with all", "everyone in your address book",
         "every name in your address book", "everyone in your contact", "everyone in your contacts",
         "all your contacts", "everyone you know", "everybody you know", "all the people you know",
         "all your friends", "to as many people as", "as many people as possible",
         "forward this to at least", "forwards this message to at least", "forward it on",
         "keep it going", "copies of this letter", "please share", "share with family",
         "share with your family", "send 10 copies", "faites suivre", "faire suivre", "fait suivre",
         "faites le suivre", "faites la suivre", "transferez ce", "transferez le",
         "transferez a tous", "transferer ce message", "transmettez", "a tous vos contacts",
         "a tous vos amis", "a toutes vos amies", "a tous vos proches",
         "a toutes vos connaissances", "diffusez", "faites circuler", "faire circuler",
         "envoyer ce message a", "envoyez ce message a", "le plus largement possible",
         "diffuser au maximum", "diffusez au maximum", "a vos amis", "a vos amies", "partagez",
         "faites passer", "faire passer", "envoyez la a", "envoyez le a",
         "a toutes les personnes que vous", "carnet d adresses",
         // The plea addressed to "friends" (plural) or to a number of people: a footer's
         // "forward this email to a friend" is not one.
         "forward this e mail to friends", "forward this email to friends",
         "forward this message to friends", "when you forward this", "5 friends", "7 friends",
         "10 friends", "12 friends", "15 friends", "20 friends", "a 10 amis", "a 15 amis",
         "a 20 amis", "a vos contacts",
         // A number of people, with the plea to forward: "send this to 10 people".
         "forward this to * people", "forward it to * people", "send this to * people",
         "send it to * people", "pass this on to * people", "forward this message to * people",
         "forward this email to * people", "forward this e mail to * people",
         "envoyez ce message a * personnes", "envoyez le a * personnes", "envoyez la a * personnes",
         "transferez ce message a * personnes", "transferez le a * personnes",
         "faites suivre a * personnes",
         // The same plea to one person ("tu") and in the third person, to a number of people
         // or to everyone (not "je te fais suivre", "je te transfere le mail": everyday French).
         "envoie la a * personnes", "envoie le a * personnes", "a tous tes contacts",
         "a tous tes amis", "a toutes tes amies", "sends it to * people", "sends this to * people",
         "share it with the people you love", "share this with the people you love",
         "share it with your loved ones", "share this with your loved ones",
         "send it to at least * people", "send this to at least * people",
         "forward it to at least * people", "pass it on to at least * people",
         "diffuser ce message", "diffusez ce message", "a au moins * contacts",
         "a au moins * personnes", "a au moins * amis", "tous ceux que vous connaissez",
         "tout votre carnet", "tous vos correspondants"},
        kForwardAll);
    p.add_all({"virus", "viruses", "worm", "trojan", "ver informatique", "cheval de troie"},
              kVirus);
    p.add_all({"hard drive", "hard disk", "erase", "erases", "wipes out", "wipe out", "destroy",
               "destroys", "destructive", "disque dur", "efface", "detruit", "detruire",
               "destructeur", "do not open", "don t open", "never open", "n ouvrez pas",
               "ne l ouvrez", "ne pas ouvrir", "no remedy", "no cure", "cannot detect",
               "can t detect", "aucun antivirus", "not detect", "delete it",
               // Virus hoaxes name the message to fear: "if you receive an email titled".
               "if you receive an email", "if you receive an e mail", "if you receive a message",
               "if you get an email", "si vous recevez un message", "si vous recevez un mail",
               "si vous recevez un e mail", "si vous recevez un courriel"},
              kDestruction);
    p.add_all({"announced by", "confirmed by",    "according to", "ibm",           "mcafee",
               "norton",       "symantec",        "cnn",          "fbi",           "on the news",
               "scientists",   "researchers",     "journalists",  "johns hopkins", "annonce par",
               "confirme par", "selon",           "chercheurs",   "scientifiques", "infirmiere",
               "au journal",   "a la television", "on tv",        "police say",    "the police"},
              kAuthority);
    p.add_all({"this is not a joke",
               "not a joke",
               "no joke",
               "this is true",
               "this is real",
               "it s true",
               "this is legit",
               "its legit",
               "it s legit",
               "really works",
               "not a hoax",
               "not a chain letter",
               "not spam",
               "i checked",
               "checked with",
               "i didn t believe",
               "didn t believe",
               "ce n est pas une blague",
               "ce n est pas une plaisanterie",
               "pas une blague",
               "pas une plaisanterie",
               "c est vrai",
               "c etait vrai",
               "c est serieux",
               "serieux",
               "pas un canular",
               "je n y croyais pas",
               "c est verifie"},
              kTruth);
    p.add_all({"good luck",        "bad luck",
               "break the chain",  "chain letter",
               "within 96 hours",  "within * hours",
               "within * days",    "make a wish",
               "bonne chance",     "malchance",
               "malheur",          "porte bonheur",
               "briser la chaine", "brisez pas la chaine",
               "brise la chaine",  "brise pas la chaine",
               "rompre la chaine", "rompez pas la chaine",
               "cassez pas",       "faites un voeu",
               "dans les * jours", "dans les * heures",
               "lost his job",     "he died",
               "she died",         "nine days later",
               "tour du monde"},
              kChain);
    p.add_all({"for every forward",
               "each time you forward",
               "every time you forward",
               "each time this message",
               "every time this message",
               "tracking system",
               "tracking program",
               "e mail tracking",
               "email tracking",
               "keeps track",
               "track it",
               "will pay you",
               "send you a check",
               "beta test",
               "pour chaque personne",
               "chaque fois que vous",
               "chaque fois que ce message",
               "systeme de suivi",
               "vous paient",
               "vous recevrez",
               "compte automatiquement",
               "1 centime",
               "one cent",
               "a cent",
               "cents for every",
               "for every message forwarded",
               "for every email you forward",
               "pour chaque mail transfere",
               "pour chaque message transfere",
               "chaque mail transfere",
               "compte les envois",
               "logiciel de suivi",
               "will donate",
               "giving away",
               "free pair",
               "free pairs",
               "offrent",
               "gratuitement"},
              kReward);
    p.add_all({"for every person you", "for every person who", "for every person that",
               "for each person you", "for each person who"},
              kReward);
    p.add_all({"missing",
               "went missing",
               "disappeared",
               "kidnapped",
               "abducted",
               "last seen",
               "disparu",
               "disparue",
               "enleve",
               "enlevee",
               "enlevement",
               "leukemia",
               "leucemie",
               "needs an operation",
               "l operation",
               "donneur",
               "blood donor",
               "amber alert",
               "alerte enlevement",
               "si c etait votre enfant",
               "if it was your child",
               "if it were your child"},
              kAppeal);
    p.add_all({"original message", "forwarded message", "begin forwarded message",
               "message original", "message transfere", "message d origine"},
              kForwardMarks);
    p.add_all({"warning", "alert", "danger", "dangerous", "attention", "please read", "alerte",
               "prevenez", "warn them", "be careful", "soyez prudents", "important", "urgent"},
              kAlarm);
    p.add_all({"radiation",     "microwave",   "micro ondes",
               "mobile phones", "cell phones", "telephones portables",
               "cancer",        "dioxin",      "dioxins",
               "dioxine",       "dioxines",    "toxic",
               "toxique",       "toxiques",    "cooked",
               "proteins",      "brain",       "cerveau",
               "explosion",     "exploser",    "explode",
               "explodes",      "caught fire", "pris feu",
               "prendre feu"},
              kMarvel);
    return p;
  }();
  return m;
}

int forward_prefixes(std::string_view subject) {
  int n = 0;
  std::string s = to_lower(subject);
  std::string_view v = s;
  while (true) {
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t'))
      v.remove_prefix(1);
    std::size_t colon = v.find(':');
    if (colon == std::string_view::npos || colon > 4) break;
    std::string_view p = v.substr(0, colon);
    if (p == "fw" || p == "fwd" || p == "tr" || p == "fwd" || p == "wg") {
      ++n;
    } else if (p != "re" && p != "aw") {
      break;
    }
    v.remove_prefix(colon + 1);
  }
  return n;
}

class HoaxCheck final : public Check {
 public:
  std::string_view name() const noexcept override { return "hoax"; }

  void run(const MessageView& m, const Context&, Verdict& v) const override {
    std::vector<int> body, subject;
    hoax_phrases().match(m.body, body);
    hoax_phrases().match(m.subject_words, subject);
    auto n = [&](Group g) {
      return body[static_cast<std::size_t>(g)] + subject[static_cast<std::size_t>(g)];
    };
    int fw = forward_prefixes(m.subject);
    std::string why;
    double evidence = 0;
    auto note = [&](double w, const char* what) {
      evidence += w;
      if (!why.empty()) why += ", ";
      why += what;
    };
    bool forward_all = n(kForwardAll) > 0;
    const double plea = forward_all ? (n(kForwardAll) >= 2 ? 3.5 : 3.0) : 0;
    if (forward_all) note(plea, "asks to forward it to everyone");
    if (n(kVirus) > 0 && n(kDestruction) > 0) note(2.0, "virus warning");
    if (n(kTruth) > 0) note(1.5, "insists it is true");
    if (n(kChain) >= 2)
      note(2.0, "luck chain");
    else if (n(kChain) == 1)
      note(0.75, "chain wording");
    if (n(kReward) > 0) note(n(kReward) >= 2 ? 2.0 : 1.0, "reward for forwarding");
    if (n(kAppeal) > 0) note(1.0, "emotional appeal");
    if (fw > 0 || n(kForwardMarks) > 0) note(fw >= 2 ? 1.5 : 1.0, "forwarded along a chain");
    if (n(kAlarm) > 0) note(0.5, "alarm");
    if (n(kAuthority) > 0) note(0.5, "appeal to authority");
    if (n(kMarvel) >= 2) note(0.5, "scare story");
    // The plea to pass it on (or a luck chain, which demands copies) is what makes a hoax.
    if (!forward_all && !(n(kChain) >= 2 && (fw > 0 || n(kForwardMarks) > 0))) return;
    if (evidence < 5.0) {
      // A hint for the classifiers' language check only with a chain letter's trait besides
      // the plea (a mark of forwarding, a claim of truth, a reward...): "partagez" alone, in a
      // newsletter, says nothing about abuse.
      if (evidence - plea >= 1.0) v.hints[static_cast<std::size_t>(Label::hoax)] += evidence;
      return;
    }
    v.add("hoax.chain-letter", std::min(evidence, 9.0), Label::hoax,
          "hoax or chain letter: " + why);
  }
};

}  // namespace

std::unique_ptr<Check> make_hoax_check() {
  return std::make_unique<HoaxCheck>();
}

}  // namespace facteur::filter
