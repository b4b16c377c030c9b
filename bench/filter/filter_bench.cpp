// facteur-filter-bench: accuracy and speed of the filter on the shared corpora.
//   facteur-filter-bench --corpora ../shared/corpora [--holdout] [--facteur build/facteur]
// Trains on the train parts (or, with --holdout, on 80 % of them, measuring on the other 20 %
// so that features can be studied without looking at the test parts), then scans every
// measured message with the same pipeline as `facteur scan`.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <spawn.h>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "filter/filter.hpp"
#include "filter/hash.hpp"
#include "filter/linear_classifier.hpp"
#include "filter/mail_source.hpp"
#include "filter/train.hpp"

extern char** environ;

namespace fs = std::filesystem;
using namespace facteur;
using namespace facteur::filter;

namespace {

struct Sample {
  std::string bytes;
  std::string origin;
  Label truth;
};

struct Part {
  Label label;
  const char* train;
  const char* test;
};

constexpr Part kParts[] = {
    {Label::ham, "spamassassin/train/ham", "spamassassin/test/ham"},
    {Label::spam, "spamassassin/train/spam", "spamassassin/test/spam"},
    {Label::phishing, "nazario-phishing/train.mbox", "nazario-phishing/test.mbox"},
    {Label::scam, "scam-419/train", "scam-419/test"},
    {Label::hoax, "hoax/train", "hoax/test"},
};

std::vector<Sample> load(const fs::path& path, Label label) {
  std::vector<Sample> out;
  auto r = for_each_message(path, [&](std::string_view m, const std::string& origin) {
    out.push_back({std::string(m), origin, label});
    return true;
  });
  if (!r) std::cerr << "warning: " << r.error().message << "\n";
  return out;
}

// CPU time of this thread: on a shared machine the wall clock also counts the time other
// processes had the core, so both are reported.
double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Runs `facteur scan --config cfg` with stdin from `file`; returns the exit status.
int run_cli(const std::string& facteur, const std::string& cfg, const std::string& file) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, file.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  std::vector<std::string> args = {facteur, "scan", "--config", cfg};
  std::vector<char*> argv;
  for (auto& a : args)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  int rc = posix_spawn(&pid, facteur.c_str(), &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) return -1;
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Accuracy and speed of the Facteur filter on the shared corpora"};
  std::string corpora = FACTEUR_CORPORA_DIR_DEFAULT;
  std::string work;
  bool holdout = false;
  std::uint64_t folds = 5, fold = 0;  // --holdout measures on fold `fold` of `folds`
  std::string facteur;
  std::size_t cli_messages = 300;
  std::string json_out;
  int repeat = 3;
  bool show_errors = false;
  bool histogram = false;
  bool linear = false;
  bool no_linear = false;
  // Experiments set the filter's own parameters: the defaults are the product's.
  FilterConfig fc;
  LinearTraining lt;
  app.add_option("--corpora", corpora, "the shared corpora directory");
  app.add_option("--work", work, "scratch directory for the model (default: a new temp dir)");
  app.add_flag("--holdout", holdout, "train on 80% of the train parts, measure on the other 20%");
  app.add_option("--folds", folds, "with --holdout: cross-validation folds (default 5)");
  app.add_option("--fold", fold, "with --holdout: the fold measured (0 .. folds-1)");
  app.add_option("--facteur", facteur, "the facteur binary, to time `facteur scan` as well");
  app.add_option("--cli-messages", cli_messages, "messages scanned through the CLI");
  app.add_option("--json", json_out, "write the results as JSON to this file");
  app.add_option("--repeat", repeat, "passes over the measured messages for the timing");
  app.add_flag("--show-errors", show_errors,
               "list misclassified messages (only with --holdout: never study the test parts)");
  app.add_flag("--histogram", histogram, "print the classifier's probability per class");
  app.add_option("--bayes-s", fc.bayes.s, "classifier prior strength (experiments)");
  app.add_option("--bayes-x", fc.bayes.x, "classifier prior (experiments)");
  app.add_option("--bayes-min-dev", fc.bayes.min_deviation,
                 "classifier minimum deviation (experiments)");
  app.add_option("--bayes-max-tokens", fc.bayes.max_tokens,
                 "classifier tokens combined (experiments)");
  app.add_option("--skip-bigrams", fc.tokenizer.skip_bigrams,
                 "1/0: tokens of word pairs with a gap (experiments)");
  app.add_option("--url-paths", fc.tokenizer.url_paths,
                 "1/0: tokens of link path words (experiments)");
  app.add_option("--phishing-evidence", fc.phishing_evidence,
                 "evidence needed for the phishing label (experiments)");
  app.add_option("--bayes-pairwise", fc.bayes.pairwise_labels,
                 "1/0: name the kind one-vs-one (experiments)");
  app.add_option("--bayes-per-label", fc.bayes.per_label_abuse,
                 "1: each abuse label also against ham, 0: pooled abuse only (experiments)");
  app.add_flag("--linear", linear,
               "write each message's linear margin and Bayes probability to the JSON");
  app.add_option("--linear-rate", lt.rate, "linear classifier step size (experiments)");
  app.add_option("--linear-epochs", lt.epochs, "linear classifier passes (experiments)");
  app.add_option("--linear-ham-weight", lt.ham_weight, "cost of a ham error (experiments)");
  app.add_option("--linear-l2", lt.l2, "linear classifier weight decay (experiments)");
  app.add_option("--bayes-share", fc.linear.bayes_share,
                 "Bayes points kept beside the linear classifier (experiments)");
  app.add_flag("--no-linear", no_linear, "without the linear classifier (experiments)");
  bool as_spam = false;
  app.add_flag("--train-as-spam", as_spam,
               "learn every abuse message as spam (a site trained with --spam and --ham only)");
  bool spamassassin_only = false;
  app.add_flag("--train-spamassassin-only", spamassassin_only,
               "learn the SpamAssassin corpus alone (spam and ham): the classifiers never see a "
               "419 letter, a phishing message or a hoax, which are measured all the same");
  app.add_option("--linear-names-kind", fc.linear.names_kind,
                 "1/0: the linear kind models (else Bayes) name the kind (experiments)");
  app.add_option("--linear-scale", fc.linear.scale, "points per unit of margin (experiments)");
  app.add_option("--linear-max", fc.linear.max, "most points for abuse (experiments)");
  app.add_option("--linear-min", fc.linear.min, "most (negative) points for ham (experiments)");
  CLI11_PARSE(app, argc, argv);
  if (folds < 2 || fold >= folds) {
    std::cerr << "--fold must be below --folds (at least 2)\n";
    return 2;
  }
  if (show_errors && !holdout) {
    std::cerr << "--show-errors needs --holdout\n";
    return 2;
  }
  // A scratch directory of our own is removed on the way out (its models are ~100 MB).
  struct Scratch {
    std::string dir;
    ~Scratch() {
      std::error_code ec;
      if (!dir.empty()) fs::remove_all(dir, ec);
    }
  } scratch;
  if (work.empty()) {
    char tmpl[] = "/tmp/facteur-filter-bench-XXXXXX";
    if (!mkdtemp(tmpl)) return 1;
    work = scratch.dir = tmpl;
  }
  fs::path root(corpora);
  if (!fs::exists(root / "spamassassin")) {
    std::cerr << "no corpora at " << corpora << "\n";
    return 1;
  }

  // --- Data.
  std::vector<Sample> train, test;
  for (const auto& p : kParts) {
    auto tr = load(root / p.train, p.label);
    if (holdout) {
      // The fold is drawn from the message's place inside the corpora ("spamassassin/train/
      // ham/easy_ham-00001.…", "nazario-phishing/train.mbox#12"), not from the path given to
      // --corpora: the same split, whichever directory the corpora are read from.
      std::string prefix = root.string();         // as the origins were built from it
      if (!prefix.ends_with('/')) prefix += '/';  // "--corpora /x/corpora/" too
      for (auto& s : tr) {
        std::string_view where = s.origin;
        if (where.starts_with(prefix)) where.remove_prefix(prefix.size());
        (token_hash(where) % folds == fold ? test : train).push_back(std::move(s));
      }
    } else {
      for (auto& s : tr)
        train.push_back(std::move(s));
      for (auto& s : load(root / p.test, p.label))
        test.push_back(std::move(s));
    }
  }

  // --- Training.
  auto t0 = std::chrono::steady_clock::now();
  BayesModel model;
  const TokenizerOptions& topt = fc.tokenizer;
  ExampleSample sample;
  std::size_t learnt_messages = 0;
  for (const auto& s : train) {
    if (spamassassin_only && s.truth != Label::ham && s.truth != Label::spam) continue;
    ++learnt_messages;
    auto view = MessageView::analyze(s.bytes);
    auto tokens = tokenize(view, topt);
    const Label learnt = as_spam && s.truth != Label::ham ? Label::spam : s.truth;
    model.learn(tokens, learnt);
    sample.offer(std::move(tokens), learnt);
  }
  LinearClassifier linear_model;
  linear_model.train(sample.examples(), lt);
  double train_s = seconds_since(t0);
  Config cfg = default_config();
  cfg.data_dir = work;
  cfg.domains = {"facteur.test"};
  {
    FilterConfig where = default_filter_config(cfg);  // the scratch model dir, the test domain
    fc.model_dir = where.model_dir;
    fc.local_domains = where.local_domains;
  }
  if (no_linear) fc.linear.enabled = false;
  ModelStore store(fc.model_dir);
  if (auto st = store.save("", model); !st) {
    std::cerr << st.error().message << "\n";
    return 1;
  }
  if (auto st = store.save_linear(linear_model); !st) {
    std::cerr << st.error().message << "\n";
    return 1;
  }
  Filter filter(fc);

  // --- Classification.
  std::vector<Verdict> verdicts(test.size());
  Context ctx;
  t0 = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < test.size(); ++i)
    verdicts[i] = filter.scan(std::string_view(test[i].bytes), ctx);
  double first_pass = seconds_since(t0);
  t0 = std::chrono::steady_clock::now();
  double cpu0 = thread_cpu_seconds();
  for (int r = 1; r < repeat; ++r)
    for (const auto& s : test)
      (void)filter.scan(std::string_view(s.bytes), ctx);
  double timed = repeat > 1 ? seconds_since(t0) / (repeat - 1) : first_pass;
  double cpu = repeat > 1 ? (thread_cpu_seconds() - cpu0) / (repeat - 1) : 0.0;
  double rate = static_cast<double>(test.size()) / timed;
  double cpu_rate = cpu > 0 ? static_cast<double>(test.size()) / cpu : 0.0;
  std::size_t bytes = 0;
  for (const auto& s : test)
    bytes += s.bytes.size();

  if (histogram) {
    constexpr double kEdges[] = {0.001, 0.01, 0.05,  0.2,  0.5,  0.8,  0.9,
                                 0.95,  0.99, 0.999, 1e-4, 1e-6, 1e-9, 1e-12};
    constexpr std::size_t kBins = std::size(kEdges) + 1;
    std::map<int, std::array<int, kBins>> hist;
    for (const auto& s : test) {
      auto view = MessageView::analyze(s.bytes);
      auto tokens = tokenize(view, topt);
      const BayesModel* models[] = {&model};
      auto r = classify(tokens, models, fc.bayes);
      // Below 0.999 by p, above by 1 - p (chi-square saturates: how close to 1 still ranks).
      std::size_t b = 0;
      while (b < 10 && r.p_abuse >= kEdges[b])
        ++b;
      if (b == 10)
        while (b < std::size(kEdges) && 1.0 - r.p_abuse <= kEdges[b])
          ++b;
      ++hist[static_cast<int>(s.truth)][b];
    }
    fmt::print(
        "p_abuse <0.001 <0.01 <0.05 <0.2 <0.5 <0.8 <0.9 <0.95 <0.99 <0.999 [1-p: >1e-4 >1e-6 "
        ">1e-9 >1e-12 <=1e-12]\n");
    for (const auto& [k, h] : hist) {
      fmt::print("{:9}", to_string(static_cast<Label>(k)));
      for (int n : h)
        fmt::print(" {:5}", n);
      fmt::print("\n");
    }
  }

  // --- Metrics.
  std::array<std::size_t, kLabels> total{}, predicted{}, correct{}, flagged{};
  std::map<std::pair<int, int>, std::size_t> confusion;
  for (std::size_t i = 0; i < test.size(); ++i) {
    auto t = static_cast<std::size_t>(test[i].truth);
    auto p = static_cast<std::size_t>(verdicts[i].label);
    ++total[t];
    ++predicted[p];
    if (t == p) ++correct[t];
    if (p != 0) ++flagged[t];
    ++confusion[{static_cast<int>(t), static_cast<int>(p)}];
    if (show_errors && t != p && !(t == 1 && p != 0 && p != 4)) {
      fmt::print("MISS {} -> {} score {:.1f} {}\n", to_string(test[i].truth),
                 to_string(verdicts[i].label), verdicts[i].score, test[i].origin);
      for (const auto& r : verdicts[i].reasons)
        fmt::print("     {} {:+.1f} {}\n", r.check, r.points, r.text);
    }
  }
  nlohmann::json j;
  // Per message: truth and score, for operating curves (cv.py: recall at a false-positive rate).
  auto scores = nlohmann::json::array();
  for (std::size_t i = 0; i < test.size(); ++i)
    scores.push_back({static_cast<int>(test[i].truth), verdicts[i].score});
  if (linear) {
    // Per test message [truth, pipeline score, linear margin, Bayes p_abuse, Bayes 1 - p_abuse,
    // origin]: for operating curves of the two classifiers and their combinations.
    auto rows = nlohmann::json::array();
    for (std::size_t i = 0; i < test.size(); ++i) {
      auto tokens = tokenize(MessageView::analyze(test[i].bytes), topt);
      const BayesModel* models[] = {&model};
      auto r = classify(tokens, models, fc.bayes);
      double q = r.abstained ? 0.5 : std::max(1.0 - r.p_abuse, 1e-300);
      rows.push_back({static_cast<int>(test[i].truth), verdicts[i].score,
                      linear_model.margin(tokens), r.p_abuse, q, test[i].origin});
    }
    j["linear"] = std::move(rows);
  }
  j["scores"] = std::move(scores);
  j["mode"] = holdout ? fmt::format("holdout (fold {} of {} of train)", fold, folds)
                      : std::string("train -> test");
  j["train_messages"] = learnt_messages;
  j["test_messages"] = test.size();
  j["train_seconds"] = train_s;
  j["model_tokens"] = model.size();
  j["in_process_msgs_per_s"] = rate;
  j["in_process_mb_per_s"] = static_cast<double>(bytes) / timed / 1e6;
  j["in_process_msgs_per_cpu_s"] = cpu_rate;
  {
    double load[3] = {0, 0, 0};
    if (getloadavg(load, 3) == 3) j["load_average"] = {load[0], load[1], load[2]};
  }
  fmt::print("{}: trained on {} messages in {:.2f} s ({} tokens), measured on {}\n",
             holdout ? "holdout" : "train->test", learnt_messages, train_s, model.size(),
             test.size());
  fmt::print(
      "\n| class | messages | flagged (any label) | right label (recall) | precision of label |\n");
  fmt::print("|---|---:|---:|---:|---:|\n");
  for (std::size_t k = 0; k < kLabels; ++k) {
    if (total[k] == 0) continue;
    double fl = 100.0 * flagged[k] / total[k];
    double rec = 100.0 * correct[k] / total[k];
    double prec = predicted[k] ? 100.0 * correct[k] / predicted[k] : 0;
    auto name = std::string(to_string(static_cast<Label>(k)));
    if (k == 0) {
      fmt::print("| ham | {} | {} false positives ({:.2f} %) | {:.2f} % kept as ham | {:.2f} % |\n",
                 total[k], flagged[k], fl, rec, prec);
    } else {
      fmt::print("| {} | {} | {:.2f} % | {:.2f} % | {:.2f} % |\n", name, total[k], fl, rec, prec);
    }
    j["classes"][name] = {{"messages", total[k]},      {"flagged", flagged[k]},
                          {"right_label", correct[k]}, {"predicted", predicted[k]},
                          {"flagged_pct", fl},         {"recall_pct", rec},
                          {"precision_pct", prec}};
  }
  fmt::print("\nconfusion (truth -> verdict):");
  for (const auto& [k, n] : confusion)
    fmt::print(" {}->{}:{}", to_string(static_cast<Label>(k.first)),
               to_string(static_cast<Label>(k.second)), n);
  double load[3] = {0, 0, 0};
  getloadavg(load, 3);
  fmt::print(
      "\n\nin-process: {:.0f} messages/s ({:.1f} MB/s), one thread, mean of {} passes; "
      "{:.0f} messages per CPU second; load average {:.2f} {:.2f} {:.2f}\n",
      rate, static_cast<double>(bytes) / timed / 1e6, std::max(1, repeat - 1), cpu_rate, load[0],
      load[1], load[2]);

  // --- Through the CLI.
  if (!facteur.empty() && cli_messages > 0) {
    fs::path dir = fs::path(work) / "cli";
    fs::create_directories(dir);
    fs::path conf = fs::path(work) / "facteur.toml";
    {
      std::ofstream c(conf);
      c << "data_dir = \"" << work << "\"\ndomains = [\"facteur.test\"]\n";
    }
    std::vector<std::string> files;
    for (std::size_t i = 0; i < test.size() && files.size() < cli_messages;
         i += std::max<std::size_t>(1, test.size() / cli_messages)) {
      auto f = (dir / fmt::format("{:05}.eml", i)).string();
      std::ofstream(f, std::ios::binary) << test[i].bytes;
      files.push_back(f);
    }
    t0 = std::chrono::steady_clock::now();
    int failures = 0;
    for (const auto& f : files)
      if (run_cli(facteur, conf.string(), f) != 0) ++failures;
    double s = seconds_since(t0);
    double cli_rate = static_cast<double>(files.size()) / s;
    fmt::print("facteur scan (one process per message): {:.0f} messages/s over {} messages{}\n",
               cli_rate, files.size(), failures ? fmt::format(", {} failed", failures) : "");
    j["cli_msgs_per_s"] = cli_rate;
    j["cli_messages"] = files.size();
  }
  if (!json_out.empty()) std::ofstream(json_out) << j.dump(2) << "\n";
  return 0;
}
