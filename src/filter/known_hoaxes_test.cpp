#include "filter/known_hoaxes.hpp"

#include <gtest/gtest.h>

namespace facteur::filter {
namespace {

std::optional<std::string_view> story(std::string_view body, std::string_view subject = "") {
  return known_hoax_claim(normalize_text(body), normalize_text(subject));
}

TEST(KnownHoaxes, AStoryToldInNewWords) {
  // Written here, not taken from any set: each tells a classic in its own words.
  EXPECT_EQ(story("If a thief ever makes you take cash out, key your code backwards: the "
                  "cash machine silently calls the cops. Write your PIN in reverse!"),
            "the PIN typed backwards at a cash machine");
  EXPECT_EQ(story("Le 27 août, la planète Mars sera aussi grosse que la lune, visible à l'oeil "
                  "nu. Personne ne reverra ça."),
            "Mars as large as the full moon");
  EXPECT_EQ(story("Starting next month all cell phone numbers go public and telemarketers "
                  "will call you."),
            "mobile numbers handed to telemarketers");
  EXPECT_EQ(story("She woke up in a bathtub full of ice with a note: one kidney was gone."),
            "a kidney stolen in a bathtub of ice");
  // The subject tells part of it.
  EXPECT_EQ(story("Do not use your mobile phone while filling up: a spark caused a fire.",
                  "Petrol station warning"),
            "a mobile phone setting petrol on fire");
}

TEST(KnownHoaxes, EveryNotionIsNeeded) {
  // Astronomy without the moon's size, a recipe with a phone number, a kidney in a hospital
  // newsletter: the words of a story are not the story.
  EXPECT_FALSE(
      story("Mars is at opposition on the 16th: look east after 10 pm, it is the "
            "brightest red star, closest to us since 2003. The full moon rises late."));
  EXPECT_FALSE(
      story("Cook the eggs for six minutes. Questions? Phone us or use your mobile "
            "app."));
  EXPECT_FALSE(story("Our kidney unit moved to the new wing; ice packs are in the fridge."));
  EXPECT_FALSE(story("Le 3 mars, pleine lune : la plus proche de l'année."));
  // From review: a quilting club's pins, a transplant's kidney packed in ice, Mars's two
  // real moons, a bakery's red velvet recipe.
  EXPECT_FALSE(story("Pin the handles, reverse stitch, and a dab of glue at the cash point."));
  EXPECT_FALSE(story("The kidney was removed, packed in ice; when I woke up it worked."));
  EXPECT_FALSE(
      story("Mars has two moons, Phobos and Deimos, seen with a telescope, not the "
            "naked eye."));
  EXPECT_FALSE(story("Our red velvet recipe: 250 g flour. We take any credit card."));
  EXPECT_FALSE(story(""));
}

}  // namespace
}  // namespace facteur::filter
