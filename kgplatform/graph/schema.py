"""The graph's vocabulary: every node label and relationship type the Cypher files may use.

Cypher files spell labels and types literally (they cannot be parameters); a unit test checks that
each one they use is declared here, so a typo becomes a failing test instead of an empty result.
"""

from enum import StrEnum


class Label(StrEnum):
    CONCEPT = "Concept"
    TASK = "Task"
    CURRICULUM = "Curriculum"
    TAG = "Tag"
    LEARNER = "Learner"
    ANSWER = "Answer"
    API_KEY = "ApiKey"
    AUDIT_ENTRY = "AuditEntry"
    # (:AuditLink {concept})-[:EXPLAINS]->(:AuditEntry): an entry that moved that concept's version.
    AUDIT_LINK = "AuditLink"
    # One per curriculum whose old audit entries `kgplatform audit archive` moved to a file.
    AUDIT_ARCHIVE = "AuditArchive"
    # One per API key or class whose old entries `kgplatform audit archive --trail keys|rosters` moved to a
    # file (id 'keys:<key id>' / 'rosters:<class id>').
    TRAIL_ARCHIVE = "TrailArchive"
    PLAN = "Plan"
    JOB = "Job"
    TRANSFER_MODEL = "TransferModel"
    CURRICULUM_REVISION = "CurriculumRevision"
    # The last version of a deleted concept or task (key 'concept:<id>' / 'task:<id>').
    RETIRED_ID = "RetiredId"
    # What an erase keeps of each erased answer: a digest of its event id, nothing else
    # (mastery/create_erased_answers), so a replay of it cannot re-create the learner.
    ERASED_ANSWER = "ErasedAnswer"
    # A class of learners, as the learning platform that owns the rosters names it: a teacher's key may be
    # scoped to classes, and reads only their members (kgplatform/classes).
    CLASS = "Class"
    # One change of a class's roster (a PUT that changed it, or the class deleted): who, when, the counts; its
    # learners by ROSTER_ADDED and ROSTER_REMOVED, so an erase (DETACH DELETE of the learner) takes the
    # learner's id out of every entry and leaves the counts.
    ROSTER_CHANGE = "RosterChange"
    # One change of an API key (created, given other classes, revoked): who, when, the role and classes; never
    # the secret or its hash.
    KEY_CHANGE = "KeyChange"
    MIGRATION = "Migration"
    MIGRATION_LOCK = "MigrationLock"


class RelType(StrEnum):
    # (prerequisite:Concept)-[:PREREQUISITE_OF]->(dependant:Concept): learn the source first.
    PREREQUISITE_OF = "PREREQUISITE_OF"
    # (task:Task)-[:EXERCISES]->(concept:Concept)
    EXERCISES = "EXERCISES"
    # (curriculum:Curriculum)-[:CONTAINS]->(concept:Concept)
    CONTAINS = "CONTAINS"
    # (learner:Learner)-[:MASTERY]->(concept:Concept)
    MASTERY = "MASTERY"
    # (learner:Learner)-[:HAS_GOAL]->(concept:Concept)
    HAS_GOAL = "HAS_GOAL"
    # (learner:Learner)-[:INTERESTED_IN]->(tag:Tag)
    INTERESTED_IN = "INTERESTED_IN"
    # (source:Concept)-[:TRANSFERS_TO {strength, model_version}]->(target:Concept)
    TRANSFERS_TO = "TRANSFERS_TO"
    # (learner:Learner)-[:HAS_PLAN]->(plan:Plan)-[:INCLUDES {rank, reason}]->(task:Task)
    EXPLAINS = "EXPLAINS"
    HAS_PLAN = "HAS_PLAN"
    # (class:Class)-[:HAS_MEMBER {added_at}]->(learner:Learner): the class's roster
    HAS_MEMBER = "HAS_MEMBER"
    # (change:RosterChange)-[:ROSTER_ADDED]->(learner:Learner): a learner the change put in the class
    ROSTER_ADDED = "ROSTER_ADDED"
    # (change:RosterChange)-[:ROSTER_REMOVED]->(learner:Learner): a learner the change took out of it
    ROSTER_REMOVED = "ROSTER_REMOVED"
    INCLUDES = "INCLUDES"
