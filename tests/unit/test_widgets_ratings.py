"""Ratings of Steps 2–4 opened to the room in the widgets: the facilitator opens one (prefilled from the
assessments, editable) to a group or to every group and closes it; each participant rates it in the step's tab
of the workbench; the facilitator sees the distribution. Each test has a SQLite workshop store of its own."""

from __future__ import annotations

import html

import pytest

from exsitu.examples import example_assessment
from exsitu.widgets.facilitator import Facilitator, rating_options
from exsitu.widgets.judgements import JudgementPanel, rating_sheet
from tests.unit.workshop_fixtures import join_from_link, room, store  # noqa: F401 (fixtures)


def _rate(panel: JudgementPanel, score: float, reason: str = "because") -> bool:
    for box in panel.score_inputs.values():
        box.value = f"{score:g}"
    panel.reason.value = reason
    return panel.submit()


def test_rating_options_come_from_each_step_of_the_assessment():
    frog = example_assessment("panamanian-golden-frog")
    roles = rating_options(2, frog)
    assert "Insurance population (assurance colony)" in roles
    rejected = {d.role.name for d in frog.roles.decisions if d.status in ("rejected", "not suggested")}
    assert not rejected & set(roles)
    assert rating_options(3, frog) == [f"{n} ({need.form})" for n, need in
                                       zip([frog.roles.get(x.role_id).role.name for x in frog.population_needs],
                                           frog.population_needs)]
    assert rating_options(4, frog) == [f.option for f in frog.feasibility]
    assert rating_options(2, None) == [] and rating_options(5, frog) == []


def test_facilitator_opens_a_step2_rating_to_every_group_and_participants_rate_it(store, room):
    workshop, (a, b) = room
    fac = Facilitator(store)
    assert fac.open(workshop.facilitator_key)
    # prefilled for Step 2 from the groups' assessments (all groups: group A's roles; B has none yet)
    assert fac.rating_group.value == "" and fac.rating_name.value == "step2-roles"
    assert fac.rating_options.value.splitlines() == rating_options(2, example_assessment("panamanian-golden-frog"))
    assert fac.rating_criteria.value.splitlines() == ["Addresses the threat", "Urgency"]
    fac.rating_options.value = "Insurance population\nResearch\n\n"  # edited by the facilitator
    topic = fac.open_rating()
    assert topic is not None and topic.group_id is None, fac.rating_message.value
    assert "every group" in fac.rating_message.value and "Step 2 tab" in fac.rating_message.value
    assert "step2-roles" in fac.open_ratings.value and "all groups" in fac.open_ratings.value
    assert fac.topic.value == "step2-roles"

    ana, bo = join_from_link(store, workshop, a, "Ana"), join_from_link(store, workshop, b, "Bo")
    for bench in (ana, bo):  # each group's Step 2 tab shows the rating; Step 5 keeps its own panel
        (panel,) = bench.topic_panels.values()
        assert panel.topic == "step2-roles" and bench.topic_slots[2].children[-1] is panel.widget
        assert not bench.topic_slots[3].children and not bench.topic_slots[4].children
        assert bench.judgements.topic == "step5"
        assert set(panel.score_inputs) == {(o, c) for o in ("Insurance population", "Research")
                                           for c in ("Addresses the threat", "Urgency")}
    (panel,) = ana.topic_panels.values()
    panel.score_inputs[("Research", "Urgency")].value = "11"
    assert not _rate(panel, 11) and "outside 0–10" in panel.message.value
    assert _rate(panel, 8, reason="the chytrid threat"), panel.message.value
    ana2 = join_from_link(store, workshop, a, "Cy")
    (panel2,) = ana2.topic_panels.values()
    assert _rate(panel2, 2, reason="unsure"), panel2.message.value
    # a rating of Steps 2–4 asks for scores and reasons; the overall vote is Step 5's
    assert panel.vote.layout.display == "none" and "vote and say why" not in repr(panel.widget.children[0])
    assert ana.judgements.vote.layout.display != "none"
    assert {j.vote for j in store.judgements(workshop.join_code, a.id, "step2-roles")} == {""}

    fac.judgement_group.value = a.id
    fac.connection.tick()
    shown = html.unescape(fac.judgements_html.value)
    assert "2 judgements submitted" in html.unescape(shown.replace("<b>", "").replace("</b>", ""))
    assert "Insurance population" in shown and "Addresses the threat" in shown and "the chytrid threat" in shown
    assert "What if the dissenters were right" in shown and "No vote is asked in this rating" in shown
    assert "Everyone voted" not in shown and "<th>Vote</th>" not in shown
    fac.judgement_group.value = b.id  # group B's judgements are its own
    assert "No judgement submitted yet" in fac.judgements_html.value
    fac.topic.value = "step5"  # Step 5's view is unchanged
    assert "No judgement submitted yet" in fac.judgements_html.value

    # closing: the panels go on the next heartbeat, the judgements stay visible to the facilitator
    fac.close_choice.value = topic.id
    assert fac.close_rating(fac.close_choice.value) and "closed" in fac.rating_message.value
    assert "No rating is open" in fac.open_ratings.value and fac.close_choice.options == ()
    ana.connection.tick()
    ana.poll()
    assert ana.topic_panels == {} and not ana.topic_slots[2].children
    fac.judgement_group.value, fac.topic.value = a.id, "step2-roles"
    assert "the chytrid threat" in fac.judgements_html.value


def test_a_rating_opened_to_one_group_reaches_only_that_group(store, room):
    workshop, (a, b) = room
    fac = Facilitator(store)
    assert fac.open(workshop.facilitator_key)
    ana, bo = join_from_link(store, workshop, a, "Ana"), join_from_link(store, workshop, b, "Bo")
    fac.rating_group.value = a.id
    fac.rating_step.value = 4
    assert fac.rating_name.value == "step4-feasibility"
    assert fac.rating_options.value.splitlines() == rating_options(4, example_assessment("panamanian-golden-frog"))
    assert fac.rating_criteria.value.splitlines() == ["Feasibility", "Risk (higher = worse)"]
    topic = fac.open_rating()
    assert topic.group_id == a.id and topic.criteria[1] == {"id": "Risk", "name": "Risk", "direction": "cost"}
    assert "Group A" in fac.rating_message.value and "scored 0–10" in fac.rating_message.value
    ana.poll()
    bo.poll()
    assert len(ana.topic_panels) == 1 and ana.topic_slots[4].children and not ana.topic_slots[2].children
    assert bo.topic_panels == {} and not bo.topic_slots[4].children
    (panel,) = ana.topic_panels.values()
    assert "higher = worse" in repr(panel.grid.children) and "Scores on 0–10" in repr(panel.grid.children)
    # the facilitator chooses the scale: a fresh round on 1–5, and the participant's form follows
    fac.rating_scale.value = (1.0, 5.0)
    again = fac.open_rating()
    assert (again.score_min, again.score_max) == (1.0, 5.0) and "scored 1–5" in fac.rating_message.value
    ana.connection.tick()
    ana.poll()
    (panel,) = ana.topic_panels.values()
    assert "Scores on 1–5" in repr(panel.grid.children)
    for box in panel.score_inputs.values():
        box.value = "5"
    panel.reason.value = "five-point scale"
    assert panel.submit(), panel.message.value
    for box in panel.score_inputs.values():
        box.value = "6"
    assert not panel.submit() and "outside 1–5" in panel.message.value
    # group B has no assessment to prefill from: a message, the facilitator types the options
    fac.rating_group.value = b.id
    assert fac.rating_options.value == "" and "type the options" in fac.rating_message.value


def test_the_rating_form_names_the_field_that_is_wrong(store, room):
    workshop, _groups = room
    fac = Facilitator(store)
    assert fac.open(workshop.facilitator_key)
    fac.rating_options.value = "  \n"
    assert fac.open_rating() is None and "Options" in fac.rating_message.value
    fac.rating_options.value = "A\nA"
    assert fac.open_rating() is None and "options[1]" in fac.rating_message.value
    fac.rating_options.value, fac.rating_criteria.value = "A", ""
    assert fac.open_rating() is None and "Criteria" in fac.rating_message.value
    fac.rating_criteria.value, fac.rating_name.value = "Urgency", "step5"
    assert fac.open_rating() is None and "topic" in fac.rating_message.value
    fac.rating_name.value = "x" * 201
    assert fac.open_rating() is None and "at most 200" in fac.rating_message.value
    fac.rating_name.value = "<b>step2</b>"
    assert fac.open_rating() is not None and "<b>step2</b>" not in fac.open_ratings.value  # escaped
    assert not fac.close_rating(None) and "none is chosen" in fac.rating_message.value
    assert not fac.close_rating("not-a-topic") and "Open rating" in fac.rating_message.value
    assert store.workshop_topics(workshop.facilitator_key)[0].name == "<b>step2</b>"


def test_rating_sheet_and_the_panel_on_a_topic(store, room):
    workshop, (a, _b) = room
    assert rating_sheet(None) is None
    topic = store.open_topic(workshop.facilitator_key, a.id, "step3-population-need", ["Insurance (living)"],
                             ["Founders", {"name": "Cost", "direction": "cost"}], scale=(1, 5))
    sheet = rating_sheet(topic)
    assert sheet == rating_sheet(topic.to_dict())
    assert [o.name for o in sheet.options] == ["Insurance (living)"] and sheet.criterion("Cost").direction == "cost"
    participant = store.join(workshop.join_code, a.id, "Ana", "", "ex situ")
    panel = JudgementPanel(store, workshop.join_code, a.id, participant, topic=topic.name,
                           sheet=lambda: rating_sheet(topic))
    assert "Scores on 1–5" in repr(panel.grid.children)
    assert not _rate(panel, 6) and "outside 1–5" in panel.message.value
    assert _rate(panel, 4), panel.message.value
    assert store.judgements(workshop.join_code, a.id, topic.name)[0].scores == {
        "Insurance (living)": {"Founders": 4.0, "Cost": 4.0}}
    closed = JudgementPanel(store, workshop.join_code, a.id, participant, topic="gone", sheet=lambda: None)
    assert closed.submit_button.disabled and "closed" in repr(closed.grid.children)


def test_adding_a_group_keeps_the_rating_being_typed(store, room):
    workshop, (a, _b) = room
    fac = Facilitator(store)
    assert fac.open(workshop.facilitator_key)
    fac.rating_group.value = a.id
    fac.rating_options.value = "typed by hand"
    assert fac.add_group("Group C")
    assert fac.rating_group.value == a.id and fac.rating_options.value == "typed by hand"
    assert [label for label, _id in fac.rating_group.options] == ["All groups", "Group A", "Group B", "Group C"]
