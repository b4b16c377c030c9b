// Hoaxes and chain letters: messages whose point is to be forwarded to everyone (fake virus
// warnings, luck chains, "Microsoft pays you for every forward", missing-child and sick-child
// appeals, fake scientific marvels). The one thing they all share is the plea to pass the
// message on to everybody; around it they add alarm, claims of truth or authority, rewards or
// threats. English and French wording. Never a reason to refuse a message: the verdict files
// it with a warning.
#include <algorithm>
#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "base/strings.hpp"
#include "filter/chain_plea.hpp"
#include "filter/checks.hpp"
#include "filter/known_hoaxes.hpp"
#include "filter/own_text.hpp"
#include "filter/phrases.hpp"
#include "filter/sms_spelling.hpp"
#include "filter/text_norm.hpp"

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
  kOriginalMarks,
  kAlarm,
  kMarvel,
  kPressure,
  kHearsay,
  kThreat,
  kDebunk,
  kDebunkWord,
  kHedge,
  kCopy,
  kRepostPlace,
  kNotCounted,
  kNoticeMark,
  kFriendRequest,
  kVouch,
  kPerForward,
  kWaiver,
  kWish,
  kPetition,
  kPetitionList,
  kAddressBook,
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
         "keep it going", "copies of this letter", "send 10 copies", "faites suivre",
         "faites le suivre", "faites la suivre", "transferez ce", "transferez le",
         "transferez a tous", "transferer ce message", "a tous vos contacts", "a tous vos amis",
         "a toutes vos amies", "a tous vos proches", "a toutes vos connaissances",
         "faites circuler", "faire circuler", "envoyer ce message a", "envoyez ce message a",
         "le plus largement possible", "diffuser au maximum", "diffusez au maximum", "a vos amis",
         "a vos amies", "envoyez la a", "envoyez le a", "a toutes les personnes que vous",
         "carnet d adresses",
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
         "tout votre carnet", "tous vos correspondants", "a au moins * amies",
         "a tous leurs contacts", "a tous leurs amis", "tt vos contact", "tt vos contacts",
         // A forward that saves a life: the plea said with a noun.
         "a simple forward", "a single forward", "one forward can", "just one forward",
         "un simple transfert", "un simple partage"},
        kForwardAll);
    // One plea, however many of its phrases overlap in it: "forward this to everyone in your
    // contacts" holds three.
    p.count_overlaps_once(kForwardAll);
    // The whole address book as the audience: chain letters' own ("everyone in your address
    // book", "tous vos contacts"); a notice says "everyone you know" or "your friends".
    p.add_all({"address book", "carnet d adresses", "your contacts", "vos contacts", "tes contacts",
               "contact list", "liste de contacts", "your list", "tout votre carnet",
               "tous vos correspondants", "tt vos contact", "tt vos contacts"},
              kAddressBook);
    // (Today's warnings say a message or a video "hacks your phone" rather than "virus".)
    p.add_all(
        {
            "virus",
            "viruses",
            "worm",
            "trojan",
            "ver informatique",
            "cheval de troie",
            "hacks your",
            "hack your",
            "hacks into",
            "pirate votre",
            "pirate ton",
            "pirater votre",
            "pirater ton",
        },
        kVirus);
    p.add_all({"hard drive", "hard disk", "erase", "erases", "wipes out", "wipe out", "destroy",
               "destroys", "destructive", "disque dur", "efface", "detruit", "detruire",
               "destructeur", "do not open", "don t open", "never open", "n ouvrez pas",
               "ne l ouvrez", "ne pas ouvrir", "no remedy", "no cure", "cannot detect",
               "can t detect", "aucun antivirus", "not detect", "delete it",
               // "It formats your whole PC", "il formate ton disque".
               "formats your", "format your", "reformats", "formate votre", "formate ton",
               "formate le", "formatera",
               // Today's warnings are about links and videos: "don't click".
               "do not click", "don t click", "never click", "ne cliquez pas", "ne clique pas",
               "ne cliquez surtout pas",  // Virus hoaxes name the message to fear: "if you receive
                                          // an email titled".
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
    p.add_all({"microsoft", "aol", "cdc", "centers for disease control", "fda", "d apres la police",
               "la gendarmerie", "croix rouge", "red cross", "ministere", "ministry of health",
               "aux infos", "au 20 heures", "journal de 20"},
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
    // "It happened, it is not a legend" and the cover-up that explains why nobody else says so
    // (not "what they don't want you to know": that is advertising's).
    p.add_all(
        {"know it s real", "it s real", "not an urban legend", "not a legend", "not one of those",
         "someone i trust", "c est du vecu", "pas une legende", "quelqu un de confiance",
         "source sure", "source fiable", "secretly admitted", "cover up", "covered up",
         "n en parle pas", "n en parlent pas", "on ne vous dit pas", "ne vous le diront"},
        kTruth);
    // The warning said to be confirmed by those who would know: a name of authority (a
    // council's "it has been confirmed that the road will close" says it too, and a
    // debunking's "it has been confirmed by Microsoft that...").
    p.add_all({"has been confirmed by", "it has been confirmed", "confirmed by the police",
               "a ete confirme par", "confirme par la police", "confirme par la gendarmerie"},
              kAuthority);
    // The forwarder vouching for the sender ("she wouldn't send it if it wasn't true") and
    // the makers hiding it: a claim of truth, but also what a debunking concedes ("I know you
    // wouldn't send it if you didn't think it mattered, but it's a hoax").
    p.add_all(
        {"wouldn t send it if", "would not send it if", "wouldn t forward it if",
         "n enverrait pas ca si", "ne l aurait pas envoye si", "ne veulent pas que cela se sache",
         "ne veulent pas que ca se sache", "want this getting out", "want this to get out"},
        kVouch);
    // (A deadline of hours or days is a shop's too: "order within 2 hours", "dans les 48
    // heures"; the chain's is "within 96 hours", or minutes.)
    p.add_all({"good luck",
               "bad luck",
               "break the chain",
               "chain letter",
               "within 96 hours",
               "dans les 96 heures",
               "make a wish",
               "bonne chance",
               "malchance",
               "malheur",
               "porte bonheur",
               "briser la chaine",
               "brisez pas la chaine",
               "brise la chaine",
               "brise pas la chaine",
               "rompre la chaine",
               "rompez pas la chaine",
               "cassez pas",
               "faites un voeu",
               "fais un voeu",
               "lost his job",
               "he died",
               "she died",
               "nine days later",
               "tour du monde"},
              kChain);
    // (A luck formula said twice is one: "good luck! ... good luck".)
    p.count_repeats_once(kChain);
    // Luck and prayer chains: the promise and the curse, the claim that it was never broken.
    p.add_all(
        {"never been broken", "has never failed", "never fails", "don t break it",
         "don t be the one", "be the one to break", "something good will happen",
         "something wonderful will", "will happen to you", "within an hour", "within * minutes",
         "lost everything", "jamais ete rompue", "jamais echoue", "ne brisez pas", "ne brise pas",
         "neuvaine", "grande joie", "vous arrivera", "t arrivera", "a tout perdu", "l ont regrette",
         // The chain not to be interrupted and the miracle promised at its end.
         "n interrompez pas", "interrompre la chaine", "interrompre cette chaine",
         "don t interrupt", "verrez un miracle", "see a miracle", "un miracle", "break this chain",
         "brisez pas cette chaine", "rompez pas cette chaine",
         // The story of whoever mocked it; the claim it never failed.
         "never been known to fail", "n a jamais echoue", "s en est moque", "made fun of it",
         "laughed at it",
         // The friendship chain, sent back to whoever sent it: "let's see how many come back".
         "back to the one who sent", "and back to me", "how many come back",
         "how many you get back", "how many i get back", "moi y compris", "et a moi aussi",
         "renvoie le moi", "renvoyez le moi"},
        kChain);
    // The chain petition: add your name at the bottom and send it on until the list is
    // long enough ("when the list reaches 250 names, forward it to the ministry").
    p.add_all({"add your name", "add your names", "ajoutez votre nom", "ajoute ton nom",
               "ajoutez vos noms", "at the bottom of the list", "en bas de la liste",
               "a la fin de la liste"},
              kPetition);
    // ... and how the chain carries it (a sign-up sheet has names, not this).
    p.add_all(
        {"when the list reaches", "quand la liste atteint", "lorsque la liste atteint",
         "copy it into a new", "copy this into a new", "copiez le dans un nouveau",
         "copie le dans un nouveau", "highlight the whole message", "names are reached",
         "noms sont atteints",
         // The chain copied by hand so the list stays readable ("copiez-collez ce message
         // dans un nouveau mail").
         "dans un nouveau mail", "dans un nouveau message", "dans un nouveau courriel",
         "dans un nouvel e mail", "into a new email", "into a new e mail", "into a new message"},
        kPetitionList);
    // The wish the chain grants: a chain's trait beside a plea to pass it on only (birthday
    // mail says "make a wish, your wish will come true" too).
    p.add_all({"your wish will", "wish will come true", "ton voeu se realise",
               "votre voeu se realise", "voeu se realisera", "voeu sera exauce", "voeu exauce"},
              kWish);
    // (A company "giving away" its products to whoever shares is the reward too.)
    p.add_all({"is giving away", "are giving away", "free tickets", "billets gratuits",
               "offre un bon d achat", "offre des bons d achat"},
              kReward);
    // The payment per forward and the tracking that counts forwards: a chain letter's own
    // claim (a shop's "track it" or "vous recevrez gratuitement" is not one).
    p.add_all({"for every forward", "each time you forward", "every time you forward",
               "each time this message", "every time this message", "cents for every",
               "for every message forwarded", "for every email you forward",
               "pour chaque mail transfere", "pour chaque message transfere",
               "chaque mail transfere", "compte les envois", "for every time this",
               "chaque fois que ce message", "pour chaque transfert de ce", "per forward"},
              kPerForward);
    // Software said to count the forwards (a parcel's "tracking system" too, so only a trait).
    p.add_all(
        {"tracking system", "tracking program", "e mail tracking", "email tracking",
         "logiciel de suivi", "programme de tracage", "logiciel de tracage", "logiciel compte",
         "logiciel qui compte", "verifie les transferts", "counts the forwards",
         "counts the number of forwards", "counts the e mails", "counts the emails",
         // The prize for those who will have passed it on.
         "qui feront suivre ce", "qui transfereront ce", "qui auront transfere ce",
         "qui auront transmis ce", "who forward this message", "who forwards this message",
         "who forward this e mail", "who forwards this e mail"},
        kReward);
    p.add_all({"keeps track",
               "track it",
               "will pay you",
               "send you a check",
               "beta test",
               "pour chaque personne",
               "chaque fois que vous",
               "systeme de suivi",
               "vous paient",
               "vous recevrez",
               "compte automatiquement",
               "1 centime",
               "one cent",
               "a cent",
               "one penny",
               "will donate",
               "giving away",
               "free pair",
               "free pairs",
               "offrent",
               "gratuitement"},
              kReward);
    p.add_all({"for every person you", "for every person who", "for every person that",
               "for each person you", "for each person who",
               // The prize promised to whoever passes it on.
               "everyone who shares", "everyone who forwards", "anyone who shares",
               "anyone who forwards", "to all who share", "a tous ceux qui partagent",
               "a tous ceux qui transferent", "a ceux qui partagent", "a ceux qui transferent",
               "pour tous ceux qui partagent", "a toutes les personnes qui partagent"},
              kReward);
    p.add_all({"missing", "went missing", "disappeared", "kidnapped", "abducted", "last seen",
               "disparu", "disparue", "enleve", "enlevee", "enlevement", "leukemia", "leukaemia",
               "leucemie", "months to live", "weeks to live", "mois a vivre", "semaines a vivre",
               "needs an operation", "l operation", "donneur", "blood donor", "amber alert",
               "alerte enlevement", "si c etait votre enfant", "if it was your child",
               "pourrait etre votre enfant", "pourrait etre le votre", "if it were your child",
               "save a life", "save lives", "save one of", "could save a life", "may save a life",
               "save your life", "sauver votre vie", "sauver ta vie", "sauver une vie",
               "sauver des vies", "en sauver", "peut sauver", "pourrait sauver", "save someone",
               "prevent a tragedy", "eviter un drame",
               // "What if it was your baby?"
               "what if it were your baby", "what if it was your baby"},
              kAppeal);
    // Mail about a hoax rather than one: a debunking that quotes it and asks not to pass it
    // on (a debunking quotes the hoax's claims of truth too). Not with pressure to forward
    // beside it ("if you don't forward this"), and not "some say it's a hoax, but...".
    p.add_all({"this is a hoax", "is an old hoax", "c est un canular", "est un vieux canular",
               "please do not forward", "please don t forward", "ne faites pas suivre",
               "ne pas faire suivre",
               // A correction in the words of those who checked ("there is no good evidence
               // that they do", "holding your breath is not a test"): a hoax asserts.
               "no good evidence", "found no link", "no link between", "aucun lien entre",
               "is not a test", "isn t a test", "n est pas un test", "no scientific evidence",
               "aucune preuve scientifique"},
              kDebunk);
    // The plea waived by the forwarder: "not a chain letter, you don't have to send it to 10
    // people" (counted in the forwarder's own words only: a chain letter says "no need to send
    // it back to me, just forward it to everyone").
    p.add_all({"don t have to send it", "don t have to send this", "don t have to forward it",
               "don t have to forward this", "don t need to forward it",
               "don t need to forward this", "no need to forward it", "no need to forward this",
               "pas besoin de le transferer", "pas besoin de la transferer",
               "pas besoin de faire suivre", "inutile de le transferer", "inutile de faire suivre"},
              kWaiver);
    // What a debunking calls the thing it quotes, said in its author's own text (not in the
    // quoted hoax), unless hedged ("I don't know if it's a hoax, but...") or denied.
    p.add_all({"is a hoax",
               "is an old hoax",
               "it s a hoax",
               "s a hoax",
               "this hoax",
               "these hoaxes",
               "is a rumour",
               "is a rumor",
               "this rumour",
               "this rumor",
               "is an urban legend",
               "est un canular",
               "c est un canular",
               "ce canular",
               "ces canulars",
               "est une rumeur",
               "cette rumeur",
               "est une legende urbaine",
               "hoaxbuster",
               "hoaxbusters",
               "hoax slayer",
               "hoaxkiller",
               "dementi",
               "fausse alerte",
               "fausses alertes",
               "verdict faux",
               "verdict false",
               "verdict canular",
               "is false",
               "is fake",
               "no record of",
               "c est faux",
               "est faux",
               "this one is not true",
               "this one isn t true",
               "is untrue",
               "is a myth",
               "est un mythe"},
              kDebunkWord);
    // Doubt, or the word denied: a forwarder's note, not a debunking ("mais dans le doute, je
    // transfère"; not a debunking's advice "dans le doute, appelle-moi").
    p.add_all({"if it s a hoax", "if this is a hoax", "if it is a hoax", "may be a hoax",
               "might be a hoax", "could be a hoax",
               // (Doubt about the message, not "maybe let Auntie know as well".)
               "maybe it s", "maybe it is", "maybe this is", "maybe true", "maybe not",
               "not sure if", "not sure it", "not sure this", "not sure but",
               // (Not "no service can tell whether you forwarded it": a debunking says that.)
               "not sure whether", "don t know whether", "wonder whether", "whether it s true",
               "whether it is true", "whether this is true", "whether it s a hoax",
               "whether it is a hoax", "probably true", "probably real", "probably nothing",
               "probably a hoax", "probably it s", "it s probably", "better safe than sorry",
               "mais dans le doute", "dans le doute je", "dans le doute j", "don t know if",
               "i doubt", "say it s a hoax", "say it is a hoax", "if it s true", "if it is true",
               "if this is true", "si c est un canular", "si c est une rumeur", "c est peut etre",
               "est peut etre", "peut etre vrai", "peut etre pas", "peut etre un", "peut etre une",
               // ("but this one is real"; not "thanks, but this one is a hoax")
               "but this one is real", "but this one is true", "but this one is legit", "not fake",
               "pas une fausse alerte", "pas de l intox", "is this real", "is this true",
               "is it true", "is it real", "je ne sais pas si", "pas sur", "pas certain",
               "si c est vrai", "disent que c est", "not a hoax", "no hoax", "not a rumour",
               "not a rumor", "not just a rumour", "pas un canular", "n est pas un canular",
               "pas une rumeur", "n est pas une rumeur", "not an urban legend", "pas une legende"},
              kHedge);
    // Copy-and-paste notices: the reader is to post the text as their own status, which
    // passes it on to everybody they know ("sharing doesn't count").
    p.add_all({"copy and paste", "copy paste", "copy * and paste", "copy * * and paste",
               "copy * and post", "copy * * and post", "copy and post", "copier coller",
               "copiez collez", "copie colle", "copiez * et collez", "copiez * * et collez",
               "copie * et colle", "copie * * et colle"},
              kCopy);
    p.add_all({"as your status", "as a status",      "as your own status", "on your wall",
               "to your wall",   "on their wall",    "in your story",      "on your timeline",
               "facebook wall",  "own wall",         "on your page",       "on your profile",
               "sur votre page", "sur votre profil", "sur ton profil",     "sur votre mur",
               "sur ton mur",    "sur son mur",      "sur leur mur",       "dans votre story",
               "dans ta story",  "en statut",        "comme statut"},
              kRepostPlace);
    p.add_all({"sharing doesn t count", "sharing does not count", "sharing won t work",
               "don t hit share", "don t just share", "pas partager", "ne pas partager",
               "partager ne suffit pas", "le partage ne compte pas", "ca ne compte pas",
               "sharing * doesn t count", "sharing is not enough", "sharing isn t enough",
               "sharing it does not count", "partager ne suffit pas",
               // "DO NOT SHARE. You MUST copy and paste." (not an IT desk's "do not share.
               // Copy and paste it into the VPN client").
               "do not share you must copy", "don t share you must copy",
               "ne partagez pas il faut copier", "ne partagez pas vous devez copier"},
              kNotCounted);
    // The pseudo-legal declaration such notices carry (not a footer's "strictly forbidden").
    p.add_all(
        {"berne convention", "convention de berne", "ucc 1 308", "rome statute", "statut de rome",
         "hereby declare", "declare par la presente", "je notifie", "tacitly", "tacitement"},
        kNoticeMark);
    // The hacker who befriends you: "don't accept Jayden's friend request, he is a hacker".
    p.add_all({"friend request", "friend requests", "demande d ami", "demandes d ami",
               "demande d amitie", "demandes d amitie", "invitation d ami"},
              kFriendRequest);
    // Pressure not to keep it: guilt, "it only takes a second", "faites pareil".
    p.add_all(
        {"don t just delete", "don t delete", "do not delete", "don t just read", "don t ignore",
         "do not ignore", "don t keep this", "don t keep it", "how can you live", "no heart",
         "ashamed", "if you don t send", "if you don t forward", "if you don t pass",
         "only takes a second", "only takes a minute", "ne gardez pas", "ne le gardez pas",
         "ne la gardez pas", "ne garde pas", "ne supprimez pas", "ne l effacez pas",
         "n effacez pas", "ne jetez pas", "si vous ne le faites pas", "si tu ne le fais pas",
         "si vous ne l envoyez pas", "si vous ne le transferez pas",
         // (The same without the pronoun, and to one person.)
         "si vous ne transferez pas", "si vous n envoyez pas", "si vous ne partagez pas",
         "si tu ne transferes pas", "si tu n envoies pas", "si tu ne partages pas",
         "si tu ne l envoies pas", "si tu ne le transferes pas", "if you don t share",
         "if you do not forward", "if you do not share", "faites pareil", "fais pareil",
         "faites de meme", "ne prend qu", "honte",
         // "If you have a heart, don't let it stop with you", "ça ne vous coûte rien".
         "if you have a heart", "let it stop with you", "costs you nothing", "it costs nothing",
         "ne vous coute rien", "ca ne coute rien", "si vous avez un coeur", "si tu as un coeur",
         "only takes * seconds", "ca prend * secondes", "ca ne prend que"},
        kPressure);
    // Hearsay: the friend of a friend it happened to, the relative who works there.
    p.add_all({"a friend of a",    "friend of a friend", "a friend of my",    "my aunt",
               "my cousin",        "my sister in law",   "my brother in law", "who works at",
               "who works in",     "who works for",      "co worker",         "coworker",
               "this happened to", "happened to a",      "une amie de",       "un ami de",
               "ma belle soeur",   "mon beau frere",     "ma cousine",        "mon cousin",
               "ma tante",         "qui travaille",      "d une collegue",    "d un collegue",
               "amie infirmiere",  "ami infirmier",      "ami policier",      "ami pompier",
               "c est arrive a",   "est arrive a la",    "est arrive au"},
              kHearsay);
    // The service that will close or charge unless the message is passed on: an account or a
    // named service, not a road or an office ("the A38 will be closed", "la mairie sera fermée").
    p.add_all({"account will be deleted",
               "accounts will be deleted",
               "account will be closed",
               "accounts will be closed",
               "account will be shut",
               "accounts will be shut",
               "account will be cancel*",
               "accounts will be cancel*",
               "profile will be deleted",
               "profile will be closed",
               "compte * sera supprime",
               "compte * sera ferme",
               "compte * sera desactive",
               "will start charging",
               "inactive accounts",
               "prove that you are",
               "your account will",
               "compte sera supprime",
               "comptes seront supprimes",
               "compte sera ferme",
               "comptes seront fermes",
               "compte sera desactive",
               "comptes seront desactives",
               "va fermer les comptes",
               "vont fermer les comptes",
               "va fermer votre compte",
               "va fermer ton compte",
               "va supprimer les comptes",
               "vont supprimer les comptes",
               "msn va fermer",
               "hotmail va fermer",
               "facebook va fermer",
               "whatsapp va fermer",
               "deviendra payant",
               "devenir payant",
               "comptes inactifs",
               "prouver que vous",
               "votre compte sera",
               "ton compte sera",
               "stay free",
               "rester gratuit",
               "restes gratuit",
               "restez gratuit",
               "deviendra payante",
               "reactivation fee",
               "frais de reactivation"},
              kThreat);
    for (std::string_view service :
         {"msn", "hotmail", "yahoo", "aol", "facebook", "whatsapp", "messenger", "skype"})
      for (std::string_view fate : {"closed", "shut down", "deleted", "discontinued"})
        p.add(fmt::format("{} will be {}", service, fate), kThreat);
    p.add_all({"forwarded message", "begin forwarded message", "message transfere"}, kForwardMarks);
    // The mark above a quoted message in Outlook: a forward's or a reply's.
    p.add_all({"original message", "message original", "message d origine"}, kOriginalMarks);
    p.add_all({"warning",
               "alert",
               "danger",
               "dangerous",
               "attention",
               "please read",
               "alerte",
               "prevenez",
               "warn them",
               "be careful",
               "soyez prudents",
               "important",
               "urgent",
               "a lire",
               "lisez",
               "take it seriously",
               "this is serious",
               "tres serieux",
               "extreme caution",
               "faites attention",
               "mefiez vous",
               "soyez vigilants",
               "soyez vigilantes",
               "soyez prudentes",
               "soyez prudent",
               "soyez prudente"},
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
    // Health and safety scares, and astronomical marvels.
    p.add_all({"needle",
               "needles",
               "hiv",
               "vih",
               "sida",
               "seringue",
               "seringues",
               "aiguille",
               "aiguilles",
               "ether",
               "bacteria",
               "bacterie",
               "bacteries",
               "flesh eating",
               "infected",
               "contaminated",
               "contaminee",
               "contaminees",
               "contamines",
               "poison",
               "poisoned",
               "kidney",
               "kidneys",
               "rein",
               "drugged",
               "amputation",
               "petrol",
               "gasoline",
               "static electricity",
               "electricite statique",
               "molecular",
               "moleculaire",
               "full moon",
               "pleine lune",
               "no one alive",
               "never see this again",
               "personne ne reverra",
               "recorded history",
               "organs",
               "organes",
               "black market",
               "marche noir",
               "etincelle",
               "enflammer",
               "vapeurs d essence",
               "anesthesiant",
               "chloroform",
               "chloroforme",
               "perdez connaissance",
               "brulures"},
              kMarvel);
    return p;
  }();
  return m;
}

// The subject's prefixes: how many say forwarded ("Fw: TR: Fwd:"), and whether the first
// says a reply ("Re:", "AW:").
struct SubjectPrefixes {
  int forwards = 0;
  bool reply = false;
};

SubjectPrefixes subject_prefixes(std::string_view subject) {
  SubjectPrefixes out;
  std::string s = to_lower(subject);
  std::string_view v = s;
  auto skip_blanks = [&v] {
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t'))
      v.remove_prefix(1);
  };
  // Tags a list or a gateway puts first ("[club-photo]", "[EXTERNAL]"); Netscape wrote a
  // forward's subject in brackets: "[Fwd: Fwd: Please help]".
  for (int tags = 0; tags < 3; ++tags) {
    skip_blanks();
    if (v.empty() || v.front() != '[') break;
    std::size_t close = v.find(']');
    std::size_t colon = v.find(':');
    if (close == std::string_view::npos || (colon != std::string_view::npos && colon < close)) {
      v.remove_prefix(1);  // "[Fwd: ...]"
      break;
    }
    v.remove_prefix(close + 1);
  }
  for (bool first = true;; first = false) {
    skip_blanks();
    std::size_t colon = v.find(':');
    if (colon == std::string_view::npos || colon > 6) break;
    std::string_view p = v.substr(0, colon);
    while (!p.empty() && p.back() == ' ')  // French typography: "TR : ", "Fwd : "
      p.remove_suffix(1);
    // (Other languages' clients: "RV:", "ENC:", "Doorst:" forward; "SV:", "Antw:", "R:"
    // reply.)
    if (p == "fw" || p == "fwd" || p == "tr" || p == "wg" || p == "rv" || p == "enc" ||
        p == "doorst") {
      ++out.forwards;
    } else if (p == "re" || p == "aw" || p == "sv" || p == "antw" || p == "r") {
      if (first) out.reply = true;
    } else {
      break;
    }
    v.remove_prefix(colon + 1);
  }
  return out;
}

// Runs of three or more exclamation marks ("!!!", "!!!!!"): chain letters shout; a club's or
// a family's "see you there!!" is excitement, not this.
int exclamation_runs(std::string_view text) {
  int runs = 0;
  for (std::size_t i = 0; i < text.size();) {
    std::size_t j = i;
    while (j < text.size() && text[j] == '!')
      ++j;
    if (j - i >= 3) ++runs;
    i = j > i ? j : i + 1;
  }
  return runs;
}

// The author's own text (own_text.hpp), its words and its phrase counts: read once for
// both the debunking and the waiver.
struct OwnWords {
  std::string text;
  NormalizedText words;
  std::vector<int> counts;
  int n(Group g) const { return counts[static_cast<std::size_t>(g)]; }
};

std::optional<OwnWords> own_words(const MessageView& m) {
  auto own = own_text(m.extracted.text, QuoteMarks::indented_too);
  if (!own) return std::nullopt;
  OwnWords o{std::move(*own), {}, {}};
  o.words = normalize_text(o.text);
  hoax_phrases().match(o.words, o.counts);
  return o;
}

// The text without what it cites between quotation marks ("...", “...”, « ... »), each
// quotation short and within a paragraph: what a debunking cites of the hoax.
std::string without_quotations(std::string_view text) {
  constexpr std::size_t kLongest = 300;
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    std::string_view close;
    std::size_t open_len = 0;
    if (text[i] == '"') {
      close = "\"", open_len = 1;
    } else if (text.substr(i, 3) == "\xe2\x80\x9c") {  // “
      close = "\xe2\x80\x9d", open_len = 3;            // ”
    } else if (text.substr(i, 2) == "\xc2\xab") {      // «
      close = "\xc2\xbb", open_len = 2;                // »
    }
    if (open_len > 0) {
      // Only as far as the longest quotation: linear however many quotes are left open.
      std::string_view inside = text.substr(i + open_len, kLongest);
      std::size_t end = inside.find(close);
      if (end != std::string_view::npos &&
          inside.substr(0, end).find("\n\n") == std::string_view::npos) {
        out += ' ';
        i += open_len + end + close.size();
        continue;
      }
    }
    out += text[i++];
  }
  return out;
}

// Whether the author's own text, apart from what it quotes, calls it a hoax or a rumour (a
// debunking list quoting the hoax with its pleas and pressure).
// Not when the author's own text asks to pass it on: then the quoted part is not what makes
// it a chain letter.
bool debunks_in_own_words(const OwnWords& own) {
  if (own.n(kDebunkWord) == 0 && own.n(kDebunk) == 0) return false;
  // (Doubt and claims of truth quoted count too: 'my cousin says "it's real"'.)
  if (own.n(kHedge) > 0 || own.n(kTruth) > 0) return false;
  // A plea the debunking cites in quotation marks is the hoax's, not its own: 'the
  // tell-tale signs: "there is no cure", "send this to everyone you know"'.
  auto said = normalize_text(without_quotations(own.text));
  // (The plea parser, not the stock phrases: a debunking describes the hoax's plea, "they
  // ask you to forward it to everyone you know", and the parser tells a report from a plea.)
  auto pleas = find_chain_pleas(said);
  return pleas.mass + pleas.open == 0;
}

// Whether the forwarder's own words, above what they forward, waive the plea ("not a chain
// letter, you don't have to send it to 10 people") and ask nobody to pass it on.
bool waives_plea_in_own_words(const OwnWords& own) {
  // (The parser, not the stock phrases, which would read "send it to 10 people" in "you
  // don't have to send it to 10 people".)
  if (own.n(kWaiver) == 0 || own.n(kPressure) > 0) return false;
  auto pleas = find_chain_pleas(own.words);
  return pleas.mass + pleas.open == 0;
}

// The hacker's friend request: a request, a hacker, and "don't accept it" together.
bool hacker_friend_request(const NormalizedText& text, int requests) {
  if (requests == 0) return false;
  static constexpr std::string_view kHacker[] = {"hacker", "hackers", "pirate", "pirates"};
  static constexpr std::string_view kRefuse[] = {"accept", "accepte", "acceptez", "accepter"};
  bool hacker = false, refuse = false;
  for (std::size_t i = 0; i < text.words.size(); ++i) {
    std::string_view w = text.words[i];
    if (std::find(std::begin(kHacker), std::end(kHacker), w) != std::end(kHacker)) hacker = true;
    if (std::find(std::begin(kRefuse), std::end(kRefuse), w) != std::end(kRefuse) && i > 0) {
      std::string_view before = text.words[i - 1];
      std::string_view two = i > 1 ? text.words[i - 2] : std::string_view();
      if (before == "not" || before == "never" || before == "t" || before == "n" ||
          (before == "pas" && two == "ne") || (before == "to" && two == "not"))
        refuse = true;
    }
  }
  return hacker && refuse;
}

class HoaxCheck final : public Check {
 public:
  std::string_view name() const noexcept override { return "hoax"; }

  void run(const MessageView& m, const Context&, Verdict& v) const override {
    // (Text-message spelling written out: "plz tell evry1 on ur list".)
    const auto spelled_out = spell_out_sms(m.body);
    const NormalizedText& words = spelled_out ? *spelled_out : m.body;
    std::vector<int> body, subject;
    hoax_phrases().match(words, body);
    hoax_phrases().match(m.subject_words, subject);
    auto n = [&](Group g) {
      return body[static_cast<std::size_t>(g)] + subject[static_cast<std::size_t>(g)];
    };
    const auto prefixes = subject_prefixes(m.subject);
    const int fw = prefixes.forwards;
    // (Outlook's "Original Message" is a forward's mark unless the subject says a reply.)
    const bool forwarded =
        fw > 0 || n(kForwardMarks) > 0 || (n(kOriginalMarks) > 0 && !prefixes.reply);
    std::string why;
    double evidence = 0;
    auto note = [&](double w, std::string_view what) {
      evidence += w;
      if (!why.empty()) why += ", ";
      why += what;
    };
    auto pleas = find_chain_pleas(words);
    auto subject_pleas = find_chain_pleas(m.subject_words);
    const int mass = std::max(n(kForwardAll), pleas.mass + subject_pleas.mass);
    // A notice to copy and paste as one's own: "sharing doesn't count", or a place to post
    // it and the declaration ("copy and paste the code on your profile" is an app's help).
    const bool repost = mass == 0 && n(kCopy) > 0 &&
                        (n(kNotCounted) > 0 || (n(kRepostPlace) > 0 && n(kNoticeMark) > 0));
    const bool forward_all = mass > 0 || repost;
    const bool pass_on = !forward_all && pleas.open + subject_pleas.open > 0;
    // A forwarded letter paying per forward asks for forwards with its price ("3 cents for
    // every time this letter is forwarded", "5 centimes pour chaque mail transféré").
    const bool paid_forwards = !forward_all && !pass_on && n(kPerForward) > 0 && forwarded;
    // Two pleas, or one to the whole address book, say it more than a notice would.
    const double plea = forward_all ? (mass >= 2 || (mass > 0 && n(kAddressBook) > 0) ? 3.5 : 3.0)
                        : pass_on || paid_forwards ? 2.5
                                                   : 0;
    if (repost) {
      note(plea, "asks to post it as one's own status");
    } else if (forward_all) {
      note(plea, "asks to forward it to everyone");
    }
    if (pass_on) note(plea, "asks to pass it on");
    if (paid_forwards) note(plea, "pays for every forward");
    if (repost && n(kNoticeMark) > 0) note(2.0, "pseudo-legal notice");
    if ((n(kVirus) > 0 && n(kDestruction) > 0) || hacker_friend_request(words, n(kFriendRequest)))
      note(2.0, "virus warning");
    if (n(kTruth) + n(kVouch) > 0) note(1.5, "insists it is true");
    const int chain_words = n(kChain) + ((forward_all || pass_on) && n(kWish) > 0 ? 1 : 0);
    if (chain_words >= 2) note(2.0, "luck chain");
    const int rewards = n(kReward) + n(kPerForward);
    if (rewards > 0) note(rewards >= 2 ? 2.0 : 1.0, "reward for forwarding");
    if (n(kAppeal) > 0) note(1.0, "emotional appeal");
    const bool chain_petition = n(kPetition) > 0 && n(kPetitionList) > 0;
    if (chain_petition) note(2.0, "chain petition");
    if (n(kPressure) > 0) note(1.0, "pressure not to keep it");
    if (n(kThreat) > 0) note(1.0, "threatens to close the account");
    if (n(kMarvel) >= 4) note(1.0, "scare story");
    if (exclamation_runs(m.subject) + exclamation_runs(m.extracted.text) >= 2) note(1.0, "shouts");
    // The story of a known hoax, told again in other words and forwarded along (a police
    // force's, a fire brigade's or a newsletter's own notice on the same danger, or a
    // correction, tells it with the same notions; a hoax travels from person to person).
    if (forwarded) {
      if (auto story = known_hoax_claim(words, m.subject_words))
        note(2.5, fmt::format("tells a known hoax ({})", *story));
    }
    // Traits ordinary forwarded mail has as well (a mark of forwarding, "important", a name
    // of authority, "a friend of mine", one chain word) count 1.5 at most together: a forward
    // asking friends to see a film is not a hoax for having them all.
    const double before_weak = evidence;
    if (chain_words == 1) note(0.75, "chain wording");
    if (forwarded) note(fw >= 2 ? 1.5 : 1.0, "forwarded along a chain");
    if (n(kHearsay) > 0) note(0.5, "hearsay");
    if (n(kAlarm) > 0) note(n(kAlarm) >= 3 ? 1.0 : 0.5, "alarm");
    if (n(kAuthority) > 0) note(0.5, "appeal to authority");
    if (!chain_petition && n(kPetition) + n(kPetitionList) > 0) note(0.5, "chain petition");
    if (n(kMarvel) >= 2 && n(kMarvel) < 4) note(0.5, "scare story");
    evidence = std::min(evidence, before_weak + 1.5);
    // The plea to pass it on (or a luck chain, which demands copies, or the payment per
    // forward) is what makes a hoax; a debunking quotes them.
    if (!forward_all && !pass_on && !paid_forwards && !(n(kChain) >= 2 && forwarded)) return;
    if (n(kDebunk) > 0 && n(kPressure) == 0) return;
    if (n(kDebunkWord) > 0 || n(kWaiver) > 0) {
      auto own = own_words(m);
      if (own && n(kDebunkWord) > 0 && debunks_in_own_words(*own)) return;
      if (own && n(kWaiver) > 0 && waives_plea_in_own_words(*own)) return;
    }
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
